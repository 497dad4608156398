using ClinicaDl.Caps;

namespace ClinicaDl.Elements;

/// <summary>What a mode cuts from one decoded image: the elements a network sees (ROIs, patches, slices, or the whole image).</summary>
/// <remarks>
/// Element k of every session has the same shape, so the cache can lay a session's elements out once. Adding a mode is
/// a new element set (and its options); the cache, batches, training and evaluation only see this interface.
/// </remarks>
public interface IElementSet
{
    /// <summary>Elements per image.</summary>
    int Count { get; }

    /// <summary>The level name in result files (<c>&lt;subset&gt;_&lt;level&gt;_level_*.tsv</c>) and in the <c>&lt;level&gt;_id</c> column: <c>roi</c>, <c>patch</c>, <c>slice</c>, <c>image</c>.</summary>
    string Level { get; }

    /// <summary>The element in messages: "ROI", "patch", "slice", "image".</summary>
    string Noun { get; }

    /// <summary>Channels of each element (1 for 3D elements).</summary>
    int Channels { get; }

    /// <summary>Element <paramref name="k"/>'s name, for messages (a ROI name, <c>patch-k</c>, …).</summary>
    string Name(int k);

    /// <summary>Element <paramref name="k"/>'s spatial shape (X, Y, Z), without the channel axis.</summary>
    int[] Shape(int k);

    /// <summary>The image voxel at element <paramref name="k"/>'s first voxel, for placing it in the image's space; null when unknown (pre-extracted tensors).</summary>
    int[]? Origin(int k);

    /// <summary>Element <paramref name="k"/>'s id in result tables (the <c>&lt;level&gt;_id</c> column): k for ROIs and patches,
    /// the absolute slice index for slices.</summary>
    int Id(int k) => k;

    /// <summary>Floats the cache keeps for element <paramref name="k"/>: by default the element itself (channels × voxels);
    /// a set may store it packed (slices: their 8-bit plane) and unpack it with <see cref="Expand"/>.</summary>
    int StoredLength(int k) => this.Length(k);

    /// <summary>Unpacks element <paramref name="k"/> as stored in the cache into the network input (channels × voxels).</summary>
    void Expand(int k, ReadOnlySpan<float> stored, Span<float> element) => stored.CopyTo(element);

    /// <summary>Writes element k of <paramref name="session"/> into <c>destinations[k]</c> (<see cref="StoredLength"/> floats; by default C order, channels first, normalised unless disabled), from one read of its image.</summary>
    /// <returns>How many elements were constant (normalised to zeros, decision 11).</returns>
    int Load(Session session, IReadOnlyList<Memory<float>> destinations);
}

/// <summary>Helpers over any element set.</summary>
public static class ElementSets
{
    /// <summary>The level of whole images: result files <c>&lt;subset&gt;_image_level_*.tsv</c>.</summary>
    public const string ImageLevel = "image";

    /// <summary>True when the element is the whole image (image mode): element-level results are the image-level ones, written once.</summary>
    public static bool IsWholeImage(this IElementSet set) => set.Level == ImageLevel;

    /// <summary>Floats in element <paramref name="k"/> (channels × voxels).</summary>
    public static int Length(this IElementSet set, int k) => set.Channels * set.Shape(k).Aggregate(1, (a, b) => a * b);

    /// <summary>"X×Y×Z" of element <paramref name="k"/>.</summary>
    public static string ShapeText(this IElementSet set, int k) => string.Join("×", set.Shape(k));

    /// <summary>"2 ROI(s) (rightHippocampus 50×50×50, leftHippocampus 50×50×50)", for the run's first messages.</summary>
    public static string Describe(this IElementSet set)
        => $"{set.Count} {set.Noun}(s) ({string.Join(", ", Enumerable.Range(0, set.Count).Select(k => $"{set.Name(k)} {set.ShapeText(k)}"))})";
}
