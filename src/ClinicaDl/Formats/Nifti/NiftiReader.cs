using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using ClinicaDl.Errors;

namespace ClinicaDl.Formats.Nifti;

/// <summary>Reads single-file NIfTI-1 images (<c>.nii</c>, and gzip-compressed <c>.nii.gz</c>) into float32 arrays.</summary>
/// <remarks>
/// <para>
/// Compression is detected from the first two bytes (1f 8b), not the extension. Both byte orders,
/// the types of <see cref="NiftiDataType"/>, scaling, 3-D images and 4-D/5-D images holding a single
/// volume are supported.
/// </para>
/// <para>
/// Every malformed input gives a <see cref="NiftiFormatException"/> that names the file and the field,
/// and nothing is allocated from an unchecked header: dimensions are bounded (4096 per axis, 2^30
/// voxels), a <c>.nii</c> must be long enough for its data before the array is made, and a
/// <c>.nii.gz</c> must agree with its gzip trailer (uncompressed size mod 2^32) and with deflate's
/// maximum ratio (1032:1). A <c>.nii.gz</c> whose trailer disagrees (several gzip members, trailing
/// bytes) is still read, but into chunks that grow only as real data arrives. Bytes after the data
/// are ignored, as nibabel does.
/// </para>
/// </remarks>
/// <threadsafety>Stateless; calls on different files may run in parallel.</threadsafety>
public static class NiftiReader
{
    /// <summary>Decompression granularity: big enough to amortise calls, small enough to stay in cache.</summary>
    private const int ChunkBytes = 1 << 20;

    /// <summary>Largest deflate expansion: 258 bytes from one 2-bit code, i.e. about 1032 to 1.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>Reads the image at <paramref name="path"/>.</summary>
    /// <exception cref="NiftiFormatException">The file is not a supported, well-formed NIfTI-1 image (the message names the file and the field).</exception>
    /// <exception cref="IOException">The file cannot be opened or read (e.g. <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened (permissions, or the path is a folder).</exception>
    public static NiftiImage Read(string path) => Read(path, reuse: null);

    /// <summary>Reads the image at <paramref name="path"/> into <paramref name="reuse"/> when it has exactly the image's voxel count (a decode worker's buffer, kept from one image to the next), else into a new array.</summary>
    /// <remarks>The image's <see cref="NiftiImage.Data"/> is then <paramref name="reuse"/> itself: the caller must be done with the image before reusing the buffer.</remarks>
    public static NiftiImage Read(string path, float[]? reuse) => Read(path, reuse, allowVolumes: false);

    /// <summary>Reads the image at <paramref name="path"/>, which may be 4-D with several volumes (X, Y, Z, T), as clinica's DARTEL templates are.</summary>
    /// <returns>The image: <see cref="NiftiImage.Shape"/> is the volume's, <see cref="NiftiImage.Volumes"/> says how many follow each other in <see cref="NiftiImage.Data"/>.</returns>
    /// <exception cref="NiftiFormatException">The file is not a supported, well-formed NIfTI-1 image.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened.</exception>
    public static NiftiImage ReadVolumes(string path) => Read(path, reuse: null, allowVolumes: true);

    private static NiftiImage Read(string path, float[]? reuse, bool allowVolumes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        long length = file.Length;
        if (!IsGzip(file))
        {
            NiftiHeader header = ReadPlainHeader(file, length, path, allowVolumes);
            file.Position = header.VoxOffset;
            float[] data = ReadVoxels(file, header, path, reuse);
            return new NiftiImage(header, data);
        }

        uint? trailerSize = GzipTrailerSize(file, length);
        return Gunzip(path, file, gz =>
        {
            NiftiHeader header = ReadHeaderBytes(gz, path, allowVolumes);
            long needed = header.VoxelCount * header.DataType.Size();
            long total = header.VoxOffset + needed;
            if (total > (length + 1024) * MaxDeflateRatio)
                throw new NiftiFormatException(path, "data", Inv($"the header needs {total} uncompressed bytes, more than {length} compressed bytes can hold."));
            Skip(gz, header.VoxOffset - NiftiHeaderCodec.HeaderSize, path, header);
            bool trailerAgrees = trailerSize == (uint)total;
            float[] data = trailerAgrees ? ReadVoxels(gz, header, path, reuse) : ReadVoxelsGrowing(gz, header, path, reuse);
            // Read to the end of the stream so that zlib checks the gzip CRC-32: a corrupted body is then an error
            // here rather than silently wrong voxels (bytes after the data are ignored, as nibabel does).
            Span<byte> rest = stackalloc byte[4096];
            while (gz.Read(rest) > 0) { }
            return new NiftiImage(header, data);
        });
    }

    /// <summary>Reads and validates only the header of the image at <paramref name="path"/>.</summary>
    /// <remarks>
    /// The checks are those <see cref="Read(string)"/> makes on the header, so an image whose header passes
    /// fails later only for its data. For a <c>.nii</c> the file length is also checked against the
    /// data size; a <c>.nii.gz</c> is decompressed only as far as the header.
    /// </remarks>
    /// <exception cref="NiftiFormatException">The header is malformed or unsupported (the message names the file and the field).</exception>
    /// <exception cref="IOException">The file cannot be opened or read (e.g. <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened (permissions, or the path is a folder).</exception>
    public static NiftiHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
        long length = file.Length;
        return IsGzip(file)
            ? Gunzip(path, file, gz => ReadHeaderBytes(gz, path))
            : ReadPlainHeader(file, length, path);
    }

    /// <summary>Checks, without decoding the data when it can, that the image at <paramref name="path"/> is complete; returns its header.</summary>
    /// <remarks>
    /// For a <c>.nii</c>, <see cref="ReadHeader"/> already checks the length. For a <c>.nii.gz</c> the gzip trailer must
    /// give the size the header needs; a truncated file almost never does. When it does not (a truncated file, or a valid
    /// file of several gzip members), the whole file is decoded to tell them apart. Used to validate a run's images
    /// before training starts rather than when the data are first read.
    /// </remarks>
    /// <exception cref="NiftiFormatException">The header is malformed, or the data are truncated or corrupt.</exception>
    public static NiftiHeader Verify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        NiftiHeader header = ReadHeader(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
        if (!IsGzip(file)) return header;
        long total = header.VoxOffset + header.VoxelCount * header.DataType.Size();
        if (GzipTrailerSize(file, file.Length) == (uint)total) return header;
        file.Dispose();
        return Read(path).Header;
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    /// <summary>ISIZE, the last 4 bytes of a gzip file (uncompressed size of the last member mod 2^32), or null when it cannot tell (file ≥ 4 GiB or too short).</summary>
    private static uint? GzipTrailerSize(FileStream file, long length)
    {
        if (length < 18 || length >= 1L << 32) return null;
        Span<byte> isize = stackalloc byte[4];
        file.Position = length - 4;
        file.ReadExactly(isize);
        file.Position = 0;
        return BinaryPrimitives.ReadUInt32LittleEndian(isize);
    }

    private static T Gunzip<T>(string path, FileStream file, Func<Stream, T> read)
    {
        try
        {
            using var gz = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
            return read(gz);
        }
        catch (InvalidDataException e)
        {
            throw new NiftiFormatException(path, "gzip", $"the gzip stream is corrupt ({e.Message}).");
        }
    }

    private static NiftiHeader ReadPlainHeader(FileStream file, long length, string path, bool allowVolumes = false)
    {
        NiftiHeader header = ReadHeaderBytes(file, path, allowVolumes);
        long total = header.VoxOffset + header.VoxelCount * header.DataType.Size();
        if (length < total)
            throw new NiftiFormatException(path, "data", Inv($"the file is {length} bytes; the header needs {total} (vox_offset {header.VoxOffset} + {header.VoxelCount} voxels × {header.DataType.Size()} bytes of {header.DataType}). The file is truncated."));
        return header;
    }

    private static NiftiHeader ReadHeaderBytes(Stream stream, string path, bool allowVolumes = false)
    {
        var bytes = new byte[NiftiHeaderCodec.HeaderSize];
        int n = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        return NiftiHeaderCodec.Decode(bytes.AsSpan(0, n), path, allowVolumes);
    }

    private static void Skip(Stream stream, long count, string path, NiftiHeader header)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(count, 1), ChunkBytes));
        try
        {
            long left = count;
            while (left > 0)
            {
                int n = stream.Read(scratch, 0, (int)Math.Min(left, scratch.Length));
                if (n == 0)
                    throw Truncated(path, header, NiftiHeaderCodec.HeaderSize + count - left, 0);
                left -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Reads the voxels once their size has been checked against the file: straight into the result array for native float32, by chunks otherwise.</summary>
    private static float[] ReadVoxels(Stream stream, NiftiHeader header, string path, float[]? reuse)
    {
        var data = Destination(header, reuse);
        NiftiDataType type = header.DataType;
        bool swap = header.IsBigEndian == BitConverter.IsLittleEndian;
        var (slope, inter) = Scaling(header);
        if (type == NiftiDataType.Float32)
        {
            // Straight into the result; a span holds under 2 GiB, so very large images go in slices.
            const int slice = 1 << 28;
            for (int start = 0; start < data.Length; start += slice)
            {
                Span<float> part = data.AsSpan(start, Math.Min(slice, data.Length - start));
                Span<byte> bytes = MemoryMarshal.AsBytes(part);
                int n = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
                if (n < bytes.Length)
                {
                    long got = 4L * start + n;
                    throw Truncated(path, header, header.VoxOffset + got, got);
                }
                if (swap) VoxelConverter.SwapInPlace(bytes, 4);
                VoxelConverter.Scale(part, slope, inter);
            }
            return data;
        }

        int size = type.Size();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int perChunk = ChunkBytes / size;
            for (int start = 0; start < data.Length; start += perChunk)
            {
                int count = Math.Min(perChunk, data.Length - start);
                Span<byte> raw = chunk.AsSpan(0, count * size);
                int n = stream.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
                if (n < raw.Length)
                {
                    long got = (long)start * size + n;
                    throw Truncated(path, header, header.VoxOffset + got, got);
                }
                VoxelConverter.ToSingle(raw, data.AsSpan(start, count), type, swap, slope, inter);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return data;
    }

    /// <summary>Reads the raw voxels into chunks as they arrive, and allocates the result only once they are all there.</summary>
    private static float[] ReadVoxelsGrowing(Stream stream, NiftiHeader header, string path, float[]? reuse)
    {
        int size = header.DataType.Size();
        long needed = header.VoxelCount * size;
        var chunks = new List<byte[]>();
        long got = 0;
        while (got < needed)
        {
            var chunk = new byte[(int)Math.Min(needed - got, 16 * ChunkBytes)];
            int n = stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false);
            got += n;
            if (n < chunk.Length) throw Truncated(path, header, header.VoxOffset + got, got);
            chunks.Add(chunk);
        }

        var data = Destination(header, reuse);
        bool swap = header.IsBigEndian == BitConverter.IsLittleEndian;
        var (slope, inter) = Scaling(header);
        int at = 0;
        foreach (byte[] chunk in chunks)
        {
            int count = chunk.Length / size;
            VoxelConverter.ToSingle(chunk, data.AsSpan(at, count), header.DataType, swap, slope, inter);
            at += count;
        }
        return data;
    }

    private static float[] Destination(NiftiHeader header, float[]? reuse)
        => reuse is not null && reuse.LongLength == header.VoxelCount ? reuse : new float[header.VoxelCount];

    private static (double Slope, double Inter) Scaling(NiftiHeader header)
        => header.HasScaling ? (header.SclSlope, header.SclInter) : (1.0, 0.0);

    private static NiftiFormatException Truncated(string path, NiftiHeader header, long fileBytes, long dataBytes)
    {
        long needed = header.VoxelCount * header.DataType.Size();
        return new NiftiFormatException(path, "data", Inv($"the (uncompressed) file ends after {fileBytes} bytes with {dataBytes} of the {needed} data bytes the header needs (vox_offset {header.VoxOffset} + {header.VoxelCount} voxels × {header.DataType.Size()} bytes). The file is truncated."));
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
