namespace ClinicaDl.Formats.Nifti;

/// <summary>A 3-D NIfTI image: its header, and its voxel values as float32 in Fortran order.</summary>
/// <remarks>
/// <para>
/// Voxel (i, j, k) is <c>Data[i + SizeX * (j + SizeY * k)]</c>: i varies fastest, which is the file's
/// order and nibabel's <c>get_fdata()</c> indexing <c>[i, j, k]</c>. Values are already scaled
/// (raw × scl_slope + scl_inter when the slope applies), so <see cref="Header"/> describes the file
/// (its stored type and scaling), not <see cref="Data"/>.
/// </para>
/// <para>
/// <see cref="Data"/> is the image's own array, not a copy: reading millions of voxels twice would
/// defeat the point of a fast reader. Treat it as read-only when the image is shared.
/// </para>
/// </remarks>
public sealed class NiftiImage
{
    /// <summary>Creates an image from its grid, values and affine, with a float32 header whose sform and qform codes are 1 (scanner).</summary>
    /// <param name="shape">Sizes (X, Y, Z), each 1 to 32767.</param>
    /// <param name="data">X·Y·Z values in Fortran order (not copied).</param>
    /// <param name="affine">The voxel-to-world transform; its elements must fit in float32. <see cref="Affine"/> returns it rounded to float32, as the file will store it.</param>
    /// <exception cref="ArgumentException">The shape is not 3 positive sizes that fit a NIfTI-1 header, the data length differs from their product, or the affine overflows float32.</exception>
    public NiftiImage(int[] shape, float[] data, Affine affine)
        : this(CreateHeader(shape, data, affine), data)
    {
    }

    internal NiftiImage(NiftiHeader header, float[] data)
    {
        Header = header;
        Data = data;
        var shape = header.SpatialShape;
        SizeX = shape[0];
        SizeY = shape[1];
        SizeZ = shape[2];
    }

    /// <summary>Volumes in <see cref="Data"/>, one after the other (1 unless read with <see cref="NiftiReader.ReadVolumes"/>).</summary>
    public int Volumes => Header.Volumes;

    /// <summary>The header read from the file, or built for a new image.</summary>
    public NiftiHeader Header { get; }

    /// <summary>The sizes (X, Y, Z), as a new array on each call.</summary>
    public int[] Shape => [SizeX, SizeY, SizeZ];

    /// <summary>Size along the first axis (i).</summary>
    public int SizeX { get; }

    /// <summary>Size along the second axis (j).</summary>
    public int SizeY { get; }

    /// <summary>Size along the third axis (k).</summary>
    public int SizeZ { get; }

    /// <summary>The X·Y·Z values, float32, Fortran order (see the class remarks).</summary>
    public float[] Data { get; }

    /// <summary>The voxel-to-world transform (<see cref="NiftiHeader.Affine"/>).</summary>
    public Affine Affine => Header.Affine;

    /// <summary>The index in <see cref="Data"/> of voxel (i, j, k); not range-checked beyond the array's own check.</summary>
    public int IndexOf(int i, int j, int k) => i + SizeX * (j + SizeY * k);

    private static NiftiHeader CreateHeader(int[] shape, float[] data, Affine affine)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(affine);
        if (shape.Length != 3)
            throw new ArgumentException($"The shape must have 3 sizes (X, Y, Z), not {shape.Length}.", nameof(shape));
        foreach (int s in shape)
            if (s < 1 || s > short.MaxValue)
                throw new ArgumentException($"Each size must be 1 to {short.MaxValue} (NIfTI-1 dim is 16-bit), not {s}; shape [{string.Join(", ", shape)}].", nameof(shape));
        long count = (long)shape[0] * shape[1] * shape[2];
        if (data.LongLength != count)
            throw new ArgumentException($"The data hold {data.LongLength} values; shape [{string.Join(", ", shape)}] needs {count}.", nameof(data));
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++)
                if (Math.Abs(affine[r, c]) > float.MaxValue)
                    throw new ArgumentException($"Affine element [{r}, {c}] = {affine[r, c]:R} does not fit the float32 NIfTI header.", nameof(affine));
        return NiftiHeaderCodec.Create(shape, affine, NiftiDataType.Float32, code: 1, descrip: "");
    }
}
