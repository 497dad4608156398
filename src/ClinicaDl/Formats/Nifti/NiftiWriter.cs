using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace ClinicaDl.Formats.Nifti;

/// <summary>Writes 3-D NIfTI-1 images (<c>.nii</c>, or gzip-compressed <c>.nii.gz</c>) that nibabel, FSL and ANTs read back with the same values and affine.</summary>
/// <remarks>
/// <para>
/// Files are little-endian, single-file (magic "n+1"), with the data at byte 352, no extension, units
/// mm and s (xyzt_units 10), unscaled (scl_slope 1, scl_inter 0), <c>pixdim[1..3]</c> = the affine's
/// column norms and <c>pixdim[0]</c> = qfac.
/// </para>
/// <para>
/// Transform codes: the sform always holds the affine. Its code is that of the transform the image's
/// affine came from (its header's sform_code, else its qform_code), so that an image read in MNI space
/// (code 4) stays labelled MNI; a new image, or one read without codes, gets 1 (scanner anatomy).
/// The qform holds the same transform with the same code when the affine is a rotation plus zooms
/// (with a possible flip), and qform_code 0 otherwise (a shear cannot be a quaternion). nibabel's
/// own default is sform_code 2 with qform_code 0; any reader picks the sform first, so both give the
/// same affine. The header's float32 storage rounds the affine to about 7 significant digits.
/// </para>
/// <para>
/// The file is written through <see cref="AtomicFile"/>: a crash leaves the old file or the new one,
/// never half of one.
/// </para>
/// </remarks>
/// <threadsafety>Stateless; calls on different files may run in parallel.</threadsafety>
public static class NiftiWriter
{
    private const int ChunkVoxels = 1 << 16;

    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/>, storing voxels as <paramref name="type"/>.</summary>
    /// <param name="path">Ends with <c>.nii</c> (uncompressed) or <c>.nii.gz</c> (gzip), case-insensitive.</param>
    /// <param name="image">The image; its values, shape, affine, transform codes and description are written.</param>
    /// <param name="type">Stored type. For integer types values are rounded half to even and clamped to the type's range, and NaN becomes 0.</param>
    /// <exception cref="ArgumentException">The path does not end with .nii or .nii.gz, or the type is not a <see cref="NiftiDataType"/>.</exception>
    /// <exception cref="IOException">The file could not be written (the message names it); an existing file is left as it was.</exception>
    public static void Write(string path, NiftiImage image, NiftiDataType type = NiftiDataType.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(image);
        if (!Enum.IsDefined(type))
            throw new ArgumentException($"{type} is not a supported NIfTI data type.", nameof(type));
        bool gzip = path.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase);
        if (!gzip && !path.EndsWith(".nii", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"A NIfTI file name must end with .nii or .nii.gz: {path}", nameof(path));

        NiftiHeader source = image.Header;
        short code = source.SformCode > 0 ? source.SformCode : source.QformCode > 0 ? source.QformCode : (short)1;
        NiftiHeader header = NiftiHeaderCodec.Create(image.Shape, image.Affine, type, code, source.Descrip);
        var headerBytes = new byte[NiftiHeaderCodec.MinVoxOffset];
        NiftiHeaderCodec.Encode(header, headerBytes);

        AtomicFile.Write(path, file =>
        {
            if (!gzip)
            {
                file.Write(headerBytes);
                WriteVoxels(file, image.Data, type);
                return;
            }
            using var gz = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
            gz.Write(headerBytes);
            WriteVoxels(gz, image.Data, type);
        });
    }

    /// <summary>Writes a new image made of <paramref name="shape"/>, <paramref name="data"/> and <paramref name="affine"/> (codes 1, see the class remarks).</summary>
    /// <exception cref="ArgumentException">The shape, data or affine are inconsistent (see <see cref="NiftiImage(int[], float[], Affine)"/>), or the path or type is not supported.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void Write(string path, int[] shape, float[] data, Affine affine, NiftiDataType type = NiftiDataType.Float32)
        => Write(path, new NiftiImage(shape, data, affine), type);

    private static void WriteVoxels(Stream stream, float[] data, NiftiDataType type)
    {
        if (type == NiftiDataType.Float32 && BitConverter.IsLittleEndian)
        {
            const int slice = 1 << 28; // a span holds under 2 GiB
            for (int start = 0; start < data.Length; start += slice)
                stream.Write(MemoryMarshal.AsBytes(data.AsSpan(start, Math.Min(slice, data.Length - start))));
            return;
        }
        int size = type.Size();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkVoxels * size);
        try
        {
            for (int start = 0; start < data.Length; start += ChunkVoxels)
            {
                int count = Math.Min(ChunkVoxels, data.Length - start);
                VoxelConverter.FromSingle(data.AsSpan(start, count), chunk, type);
                stream.Write(chunk, 0, count * size);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
