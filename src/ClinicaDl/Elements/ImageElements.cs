using ClinicaDl.Caps;
using ClinicaDl.Errors;

namespace ClinicaDl.Elements;

/// <summary>The image mode's one element: the whole image (spec modes §3.1), min-max normalised over the whole volume
/// unless <c>-un/--unnormalize</c>, read from the NIfTI or from the whole-image tensor of <c>extract image</c>.</summary>
public sealed class ImageElements : IElementSet
{
    private readonly int[] shape;
    private readonly bool normalise;

    /// <summary>Creates the set for images of spatial shape <paramref name="shape"/>.</summary>
    public ImageElements(int[] shape, bool normalise)
    {
        this.shape = shape;
        this.normalise = normalise;
    }

    /// <inheritdoc />
    public int Count => 1;

    /// <inheritdoc />
    public string Level => ElementSets.ImageLevel;

    /// <inheritdoc />
    public string Noun => "image";

    /// <inheritdoc />
    public int Channels => 1;

    /// <inheritdoc />
    public string Name(int k) => "image";

    /// <inheritdoc />
    public int[] Shape(int k) => shape;

    /// <inheritdoc />
    public int[]? Origin(int k) => [0, 0, 0];

    /// <inheritdoc />
    public int Load(Session session, IReadOnlyList<Memory<float>> destinations)
    {
        var (path, data, actual) = CapsImages.Read(session);
        if (!actual.SequenceEqual(shape))
            throw new CapsLayoutException(path, $"image of {session.Key} is {string.Join("×", actual)}; the other images are {string.Join("×", shape)}.");
        var whole = new RoiDefinition("image", RoiBox.Whole(shape), null, null);
        var destination = destinations[0].Span;
        RoiExtractor.Extract(data, shape, whole, normalise: false, destination);
        return Finish(destination, path, $"image of {session.Key}", normalise, "Check the image (clinica's t1-linear outputs hold finite values).");
    }

    /// <summary>The end of loading a whole image (NIfTI, tensor or phantom) into <paramref name="destination"/>: refuses
    /// NaN and infinite values, then min-max normalises unless told not to.</summary>
    /// <returns>1 when the image is constant (normalised to zeros), else 0.</returns>
    internal static int Finish(Span<float> destination, string path, string what, bool normalise, string? hint = null)
    {
        foreach (float v in destination)
            if (!float.IsFinite(v))
                throw new CapsLayoutException(path, $"{what} holds NaN or infinite values; a network cannot learn from them.", hint);
        return normalise && !RoiExtractor.MinMaxNormalise(destination) ? 1 : 0;
    }
}
