using System.Globalization;
using ClinicaDl.Errors;

namespace ClinicaDl.Elements;

/// <summary>The cubic patches ClinicaDL 0.2.1 cuts from an image (<c>-ps/--patch_size</c>, <c>-ss/--stride_size</c>, spec modes §4.1): pure arithmetic.</summary>
/// <remarks>
/// <para>0.2.1 cuts patches with <c>image.unfold(1, ps, st).unfold(2, ps, st).unfold(3, ps, st)</c> flattened to
/// <c>(-1, ps, ps, ps)</c>. Equivalently, with <c>n_a = floor((L_a − ps) / st) + 1</c> patches on axis a, patch
/// <c>k = (ix · ny + iy) · nz + iz</c> (x slowest, z fastest) is <c>image[:, ix·st : ix·st+ps, iy·st : iy·st+ps, iz·st : iz·st+ps]</c>.
/// There is no padding: voxels beyond the last full patch of an axis are never used (spec M21: 28.5 % of the
/// t1-linear voxels at the defaults, see <see cref="Coverage"/>).</para>
/// <para>169×208×179 at the defaults (50, 50) gives 3 × 4 × 3 = 36 patches; patch 13 has origin (50, 0, 50).</para>
/// </remarks>
/// <param name="PatchSize">Side of the cubic patch, in voxels.</param>
/// <param name="StrideSize">Distance between the origins of consecutive patches on every axis.</param>
public sealed record PatchGrid(int PatchSize, int StrideSize)
{
    /// <summary>0.2.1's default patch side and stride.</summary>
    public const int DefaultSize = 50;

    /// <summary>The option names, as users spell them.</summary>
    public const string PatchSizeOption = "-ps/--patch_size", StrideSizeOption = "-ss/--stride_size";

    /// <summary>The default grid: 50³ patches at stride 50.</summary>
    public static PatchGrid Default { get; } = new(DefaultSize, DefaultSize);

    /// <summary>Patches per axis (nx, ny, nz) in an image of <paramref name="imageShape"/> (X, Y, Z); 0 on an axis shorter than a patch.</summary>
    public (int X, int Y, int Z) Counts(IReadOnlyList<int> imageShape)
    {
        CheckPositive();
        return (PerAxis(imageShape[0]), PerAxis(imageShape[1]), PerAxis(imageShape[2]));
    }

    /// <summary>The number of patches per image, E = nx · ny · nz.</summary>
    public int Count(IReadOnlyList<int> imageShape)
    {
        var (x, y, z) = Counts(imageShape);
        return x * y * z;
    }

    /// <summary>The first voxel (x, y, z) of patch <paramref name="k"/> (0-based, 0.2.1's order).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not a patch of this image.</exception>
    public (int X, int Y, int Z) Origin(int k, IReadOnlyList<int> imageShape)
    {
        var (_, ny, nz) = Counts(imageShape);
        int count = Count(imageShape);
        if (k < 0 || k >= count)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"patch index outside 0..{count - 1}.");
        int iz = k % nz, iy = k / nz % ny, ix = k / (nz * ny);
        return (ix * StrideSize, iy * StrideSize, iz * StrideSize);
    }

    /// <summary>The voxels of patch <paramref name="k"/>.</summary>
    public RoiBox Box(int k, IReadOnlyList<int> imageShape)
    {
        var (x, y, z) = Origin(k, imageShape);
        return new RoiBox(x, y, z, x + PatchSize, y + PatchSize, z + PatchSize);
    }

    /// <summary>Every patch of an image as a box without a mask, in 0.2.1's order; patch k is named <see cref="Name"/>(k).</summary>
    public IReadOnlyList<RoiDefinition> Patches(IReadOnlyList<int> imageShape)
        => Enumerable.Range(0, Count(imageShape)).Select(k => new RoiDefinition(Name(k), Box(k, imageShape), null, null)).ToList();

    /// <summary>The name of patch <paramref name="k"/> in messages: <c>patch-&lt;k&gt;</c>, as in clinica's file names.</summary>
    public static string Name(int k) => "patch-" + k.ToString(CultureInfo.InvariantCulture);

    /// <summary>The index k of a patch named by <see cref="Name"/>, or −1 for another name.</summary>
    public static int IndexOf(string name)
        => name.StartsWith("patch-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out int k) ? k : -1;

    /// <summary>The fraction of the image's voxels that lie in at least one patch (0.715 for 169×208×179 at the defaults).</summary>
    public double Coverage(IReadOnlyList<int> imageShape)
    {
        double covered = 1;
        for (int a = 0; a < 3; a++)
        {
            int n = PerAxis(imageShape[a]);
            // Patches on one axis cover [0, last origin + ps), minus the gaps when the stride exceeds the side.
            int used = n == 0 ? 0 : StrideSize >= PatchSize ? n * PatchSize : (n - 1) * StrideSize + PatchSize;
            covered *= (double)used / imageShape[a];
        }
        return covered;
    }

    /// <summary>Checks the two options for images of <paramref name="imageShape"/> and a network that takes patch sides in
    /// [<paramref name="minSide"/>, <paramref name="maxSide"/>].</summary>
    /// <param name="imageShape">The image grid (X, Y, Z): a patch must fit in it.</param>
    /// <param name="minSide">The smallest side the network takes (1 when any side does).</param>
    /// <param name="maxSide">The largest side the network takes (<see cref="int.MaxValue"/> when any side does).</param>
    /// <param name="requirement">What the network takes, for the message (e.g. "Conv4_FC3's classifier takes sides 47..62"), or null.</param>
    /// <remarks>0.2.1 checks neither option: a stride of 0 fails inside torch, a side its network cannot take fails at the
    /// first Linear layer after the data are loaded (spec §1.2). Here the run is refused before anything is read (decision 14).</remarks>
    /// <exception cref="InvalidOptionException">The side is outside the accepted range, or the stride is below 1.</exception>
    public void Validate(IReadOnlyList<int> imageShape, int minSide, int maxSide, string? requirement)
    {
        int shortest = imageShape.Min();
        int max = Math.Min(maxSide, shortest);
        var reasons = new List<string>();
        if (requirement is not null) reasons.Add(requirement);
        if (shortest < maxSide) reasons.Add($"a patch must fit in the {string.Join("×", imageShape)} images");
        if (PatchSize < minSide || PatchSize > max)
            throw new InvalidOptionException(PatchSizeOption,
                string.Create(CultureInfo.InvariantCulture, $"an integer in {minSide}..{max}{(reasons.Count == 0 ? "" : $" ({string.Join("; ", reasons)})")}"),
                PatchSize.ToString(CultureInfo.InvariantCulture));
        if (StrideSize < 1)
            throw new InvalidOptionException(StrideSizeOption, "an integer ≥ 1 (the distance between patch origins, in voxels)",
                StrideSize.ToString(CultureInfo.InvariantCulture));
    }

    private int PerAxis(int length) => length < PatchSize ? 0 : (length - PatchSize) / StrideSize + 1;

    private void CheckPositive()
    {
        if (PatchSize < 1 || StrideSize < 1)
            throw new InvalidOperationException($"patch size {PatchSize} and stride {StrideSize} must be positive; validate the options first.");
    }
}
