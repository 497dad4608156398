using System.Buffers.Binary;
using System.IO.Compression;

namespace ClinicaDl.Tests.Formats.Nifti;

/// <summary>Builds NIfTI-1 files byte by byte, independently of the writer under test, so tests can set any field (including wrong ones).</summary>
internal sealed class NiftiFileBuilder
{
    public bool BigEndian { get; set; }
    public int SizeofHdr { get; set; } = 348;
    public string Magic { get; set; } = "n+1\0";
    public short[] Dim { get; set; } = [3, 7, 5, 3, 1, 1, 1, 1];
    public short DataType { get; set; } = 16;
    public short? BitPix { get; set; }
    public float[] Pixdim { get; set; } = [1, 1, 1, 1, 1, 1, 1, 1];
    public float VoxOffset { get; set; } = 352;
    public float SclSlope { get; set; } = 1;
    public float SclInter { get; set; }
    public short QformCode { get; set; }
    public short SformCode { get; set; }
    public float[] Quatern { get; set; } = [0, 0, 0];
    public float[] Qoffset { get; set; } = [0, 0, 0];
    public float[] Srow { get; set; } = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];
    public byte[] Data { get; set; } = [];

    /// <summary>Element size for the datatypes the reader supports (1 for any other code, so broken headers still build).</summary>
    public static int SizeOf(short datatype) => datatype switch
    {
        2 or 256 => 1,
        4 or 512 => 2,
        8 or 16 => 4,
        64 => 8,
        _ => 1,
    };

    /// <summary>Sets <see cref="Data"/> from values stored as <see cref="DataType"/> in the builder's byte order.</summary>
    public NiftiFileBuilder WithValues(IReadOnlyList<double> values)
    {
        int size = SizeOf(DataType);
        var bytes = new byte[values.Count * size];
        for (int i = 0; i < values.Count; i++)
        {
            Span<byte> b = bytes.AsSpan(i * size, size);
            double v = values[i];
            switch (DataType)
            {
                case 2: b[0] = (byte)v; break;
                case 256: b[0] = (byte)(sbyte)v; break;
                case 4: if (BigEndian) BinaryPrimitives.WriteInt16BigEndian(b, (short)v); else BinaryPrimitives.WriteInt16LittleEndian(b, (short)v); break;
                case 512: if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v); break;
                case 8: if (BigEndian) BinaryPrimitives.WriteInt32BigEndian(b, (int)v); else BinaryPrimitives.WriteInt32LittleEndian(b, (int)v); break;
                case 16: if (BigEndian) BinaryPrimitives.WriteSingleBigEndian(b, (float)v); else BinaryPrimitives.WriteSingleLittleEndian(b, (float)v); break;
                case 64: if (BigEndian) BinaryPrimitives.WriteDoubleBigEndian(b, v); else BinaryPrimitives.WriteDoubleLittleEndian(b, v); break;
                default: throw new ArgumentException($"datatype {DataType}");
            }
        }
        Data = bytes;
        return this;
    }

    /// <summary>The file: header, zero bytes up to vox_offset (when it is sensible), data.</summary>
    public byte[] Build()
    {
        int offset = float.IsFinite(VoxOffset) && VoxOffset >= 348 && VoxOffset < 1 << 20 ? (int)VoxOffset : 352;
        var file = new byte[offset + Data.Length];
        Span<byte> h = file;
        I32(h, 0, SizeofHdr);
        h[38] = (byte)'r';
        for (int i = 0; i < 8; i++) I16(h, 40 + 2 * i, Dim[i]);
        I16(h, 70, DataType);
        I16(h, 72, BitPix ?? (short)(SizeOf(DataType) * 8));
        for (int i = 0; i < 8; i++) F32(h, 76 + 4 * i, Pixdim[i]);
        F32(h, 108, VoxOffset);
        F32(h, 112, SclSlope);
        F32(h, 116, SclInter);
        h[123] = 10;
        I16(h, 252, QformCode);
        I16(h, 254, SformCode);
        for (int i = 0; i < 3; i++) F32(h, 256 + 4 * i, Quatern[i]);
        for (int i = 0; i < 3; i++) F32(h, 268 + 4 * i, Qoffset[i]);
        for (int i = 0; i < 12; i++) F32(h, 280 + 4 * i, Srow[i]);
        for (int i = 0; i < 4; i++) h[344 + i] = (byte)Magic[i];
        Data.CopyTo(file, offset);
        return file;
    }

    public string WriteTo(string path)
    {
        byte[] bytes = Build();
        File.WriteAllBytes(path, path.EndsWith(".gz", StringComparison.Ordinal) ? Gzip(bytes) : bytes);
        return path;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(bytes);
        return ms.ToArray();
    }

    /// <summary>7×5×3 float32 values 0.5, 1.5, … in file order.</summary>
    public static double[] Ramp(int count = 105) => Enumerable.Range(0, count).Select(i => i + 0.5).ToArray();

    private void I16(Span<byte> h, int at, short v)
    {
        if (BigEndian) BinaryPrimitives.WriteInt16BigEndian(h[at..], v); else BinaryPrimitives.WriteInt16LittleEndian(h[at..], v);
    }

    private void I32(Span<byte> h, int at, int v)
    {
        if (BigEndian) BinaryPrimitives.WriteInt32BigEndian(h[at..], v); else BinaryPrimitives.WriteInt32LittleEndian(h[at..], v);
    }

    private void F32(Span<byte> h, int at, float v)
    {
        if (BigEndian) BinaryPrimitives.WriteSingleBigEndian(h[at..], v); else BinaryPrimitives.WriteSingleLittleEndian(h[at..], v);
    }
}
