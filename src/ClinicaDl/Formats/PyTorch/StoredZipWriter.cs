using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ClinicaDl.Formats.PyTorch;

/// <summary>Writes a ZIP archive of uncompressed entries whose data start on 64-byte boundaries, as PyTorch's writer does.</summary>
/// <remarks>
/// PyTorch's <c>PyTorchStreamWriter</c> stores records uncompressed and pads each local header with an extra
/// field (id <c>FB</c>) so the data are 64-byte aligned, which lets readers map tensors in place. We do the same.
/// Entries are written in one pass with their sizes and CRC-32 known up front (no data descriptors). ZIP64 is
/// not written: an archive must stay under 4 GiB and 65,535 entries, far above any ClinicaDL checkpoint.
/// </remarks>
internal sealed class StoredZipWriter
{
    private const int Alignment = 64;
    private const ushort VersionNeeded = 20;     // 2.0: stored entries, folders
    private const ushort DosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01, the earliest DOS date; keeps output reproducible
    private const ushort DosTime = 0;

    private readonly Stream stream;
    private readonly List<(byte[] Name, uint Crc, uint Size, uint Offset)> entries = [];
    private long position;

    /// <summary>Creates a writer that appends to <paramref name="stream"/> from its current position.</summary>
    public StoredZipWriter(Stream stream) => this.stream = stream;

    /// <summary>Adds an entry named <paramref name="name"/> holding <paramref name="data"/>.</summary>
    /// <exception cref="NotSupportedException">The archive would need ZIP64 (over 4 GiB or 65,535 entries).</exception>
    public void Add(string name, ReadOnlySpan<byte> data)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        long headerEnd = position + 30 + nameBytes.Length;
        int padding = (int)((Alignment - headerEnd % Alignment) % Alignment);
        if (padding is > 0 and < 4)
            padding += Alignment; // the extra field needs 4 bytes of its own header
        if (position + 30 + nameBytes.Length + padding + data.Length > uint.MaxValue || entries.Count == ushort.MaxValue)
            throw new NotSupportedException("The PyTorch file would need ZIP64 (over 4 GiB or 65,535 entries), which is not written.");

        uint crc = Crc32.HashToUInt32(data);
        uint offset = (uint)position;

        Span<byte> header = stackalloc byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(header[0..], 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], VersionNeeded);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);           // flags
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], 0);           // method: stored
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], DosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[18..], (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[22..], (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)padding);
        Write(header);
        Write(nameBytes);
        if (padding > 0)
        {
            var extra = new byte[padding];
            extra[0] = (byte)'F';
            extra[1] = (byte)'B';
            BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)(padding - 4));
            extra.AsSpan(4).Fill((byte)'Z');
            Write(extra);
        }
        Write(data);
        entries.Add((nameBytes, crc, (uint)data.Length, offset));
    }

    /// <summary>Writes the central directory; the archive is complete afterwards.</summary>
    public void Finish()
    {
        long start = position;
        Span<byte> header = stackalloc byte[46];
        foreach (var (name, crc, size, offset) in entries)
        {
            header.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(header[0..], 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], VersionNeeded); // made by: MS-DOS, spec 2.0
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], VersionNeeded);
            BinaryPrimitives.WriteUInt16LittleEndian(header[12..], DosTime);
            BinaryPrimitives.WriteUInt16LittleEndian(header[14..], DosDate);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], size);
            BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[42..], offset);
            Write(header);
            Write(name);
        }
        long size32 = position - start;
        if (position > uint.MaxValue)
            throw new NotSupportedException("The PyTorch file would need ZIP64 (over 4 GiB), which is not written.");

        Span<byte> end = stackalloc byte[22];
        end.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(end[0..], 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)entries.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)entries.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)size32);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)start);
        Write(end);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        position += bytes.Length;
    }
}
