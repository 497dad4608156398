namespace ClinicaDl.Elements;

/// <summary>One region of interest: where it is cut from the image and how.</summary>
/// <param name="Name">The ROI's name: <c>rightHippocampus</c>/<c>leftHippocampus</c> for the default cubes, else the <c>--roi_list</c> entry.</param>
/// <param name="Box">The voxels kept from the image grid.</param>
/// <param name="Mask">For mask ROIs, the mask values inside <see cref="Box"/> (Fortran order over the box), multiplied with the image; null for cubes.</param>
/// <param name="MaskPath">The mask file, for messages; null for cubes.</param>
public sealed record RoiDefinition(string Name, RoiBox Box, float[]? Mask, string? MaskPath)
{
    /// <summary>Centres of the two default hippocampus cubes, in ClinicaDL's order: roi 0 = right (x 109), roi 1 = left (x 61).</summary>
    public static readonly IReadOnlyList<int[]> DefaultCentres = [[109, 96, 68], [61, 96, 68]];

    /// <summary>Side of the default cubes.</summary>
    public const int DefaultCubeSize = 50;

    /// <summary>The two default hippocampus cubes of spec §3.2.</summary>
    public static IReadOnlyList<RoiDefinition> DefaultCubes { get; } =
    [
        new("rightHippocampus", RoiBox.Cube(DefaultCentres[0], DefaultCubeSize), null, null),
        new("leftHippocampus", RoiBox.Cube(DefaultCentres[1], DefaultCubeSize), null, null),
    ];

    /// <summary>The shape of the patch this ROI gives (X, Y, Z).</summary>
    public int[] Shape => Box.Shape;
}
