using ClinicaDl.Caps;
using ClinicaDl.Errors;

namespace ClinicaDl.Elements;

/// <summary>Image mode on <c>preprocessing shepplogan</c>: one element per session, the whole 2-D phantom (1, H, W) of
/// <see cref="PhantomImages"/>, min-max normalised over the phantom unless <c>unnormalize</c> (0.2.1's image dataset
/// transforms every preprocessing alike, spec modes §2.3).</summary>
public sealed class PhantomElements(int[] shape, bool normalise) : IElementSet
{
    /// <inheritdoc />
    public int Count => 1;

    /// <inheritdoc />
    public string Level => ElementSets.ImageLevel;

    /// <inheritdoc />
    public string Noun => "image";

    /// <inheritdoc />
    public int Channels => 1;

    /// <inheritdoc />
    public string Name(int k) => "phantom";

    /// <inheritdoc />
    public int[] Shape(int k) => shape;

    /// <inheritdoc />
    public int[]? Origin(int k) => null;

    /// <inheritdoc />
    public int Load(Session session, IReadOnlyList<Memory<float>> destinations)
    {
        string path = PhantomImages.PathOf(session);
        var (data, actual) = PhantomImages.Read(path);
        if (!actual.SequenceEqual(shape))
            throw new CapsLayoutException(path, $"phantom of {session.Key} is {string.Join("×", actual)}; the other phantoms are {string.Join("×", shape)}.");
        var destination = destinations[0].Span;
        data.CopyTo(destination);
        return ImageElements.Finish(destination, path, $"phantom of {session.Key}", normalise);
    }
}
