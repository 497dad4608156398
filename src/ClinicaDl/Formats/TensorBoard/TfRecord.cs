using System.Buffers.Binary;
using ClinicaDl.Errors;

namespace ClinicaDl.Formats.TensorBoard;

/// <summary>TFRecord framing: <c>uint64 length, uint32 masked CRC-32C(length), data, uint32 masked CRC-32C(data)</c>, little-endian.</summary>
internal static class TfRecord
{
    private const int HeaderSize = 12;
    private const int FooterSize = 4;

    /// <summary>One record read back: where it starts, its payload, and its bytes as framed.</summary>
    public readonly record struct Record(long Offset, byte[] Data, byte[] Framed);

    /// <summary>Frames <paramref name="data"/> as one record.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> data)
    {
        var record = new byte[HeaderSize + data.Length + FooterSize];
        var span = record.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], Crc32C.Masked(span[..8]));
        data.CopyTo(span[HeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(HeaderSize + data.Length)..], Crc32C.Masked(data));
        return record;
    }

    /// <summary>Splits <paramref name="file"/> into records, checking every length, checksum and the end.</summary>
    /// <exception cref="EventFileException">A record is truncated or fails a checksum; the message gives its offset.</exception>
    public static List<Record> ReadAll(string path, byte[] file)
    {
        var records = new List<Record>();
        long pos = 0;
        while (pos < file.Length)
        {
            long remaining = file.Length - pos;
            if (remaining < HeaderSize)
                throw new EventFileException(path, pos, $"truncated record header ({remaining} of {HeaderSize} bytes).");
            var header = file.AsSpan((int)pos, HeaderSize);
            if (Crc32C.Masked(header[..8]) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
                throw new EventFileException(path, pos, "record length fails its CRC-32C (the file is damaged).");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (length > (ulong)(remaining - HeaderSize - FooterSize))
                throw new EventFileException(path, pos, $"truncated record: {length} bytes announced, {Math.Max(0, remaining - HeaderSize - FooterSize)} present.");
            int n = (int)length;
            var data = file.AsSpan((int)pos + HeaderSize, n);
            if (Crc32C.Masked(data) != BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)pos + HeaderSize + n, FooterSize)))
                throw new EventFileException(path, pos, "record data fail their CRC-32C (the file is damaged).");
            records.Add(new Record(pos, data.ToArray(), file.AsSpan((int)pos, HeaderSize + n + FooterSize).ToArray()));
            pos += HeaderSize + n + FooterSize;
        }
        return records;
    }
}
