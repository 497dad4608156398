namespace ClinicaDl.Elements;

/// <summary>A half-open box of voxels, [Lo, Hi) on each of the three axes.</summary>
public sealed record RoiBox(int LoX, int LoY, int LoZ, int HiX, int HiY, int HiZ)
{
    /// <summary>The box's shape (X, Y, Z).</summary>
    public int[] Shape => [HiX - LoX, HiY - LoY, HiZ - LoZ];

    /// <summary>Number of voxels.</summary>
    public int VoxelCount => (HiX - LoX) * (HiY - LoY) * (HiZ - LoZ);

    /// <summary>The cube of side <paramref name="size"/> around <paramref name="centre"/>: [c − size/2, c + size/2) per axis (spec §3.2).</summary>
    public static RoiBox Cube(int[] centre, int size)
    {
        int half = size / 2;
        return new RoiBox(centre[0] - half, centre[1] - half, centre[2] - half,
            centre[0] - half + size, centre[1] - half + size, centre[2] - half + size);
    }

    /// <summary>The whole grid of <paramref name="shape"/>.</summary>
    public static RoiBox Whole(int[] shape) => new(0, 0, 0, shape[0], shape[1], shape[2]);

    /// <summary>True when the box lies inside a grid of <paramref name="shape"/>.</summary>
    public bool FitsIn(int[] shape) => LoX >= 0 && LoY >= 0 && LoZ >= 0 && HiX <= shape[0] && HiY <= shape[1] && HiZ <= shape[2] && VoxelCount > 0;

    /// <summary>Culture-invariant "X×Y×Z".</summary>
    public string ShapeText => string.Join("×", Shape);
}
