using System.Runtime.InteropServices;
using ClinicaDl.Caps;
using ClinicaDl.Elements;

namespace ClinicaDl.Slices;

/// <summary>The slice mode's elements: the used slices of one direction, each prepared once as 0.2.1's transform would
/// (spec §5.2–5.3) and cached as a 224×224 uint8 plane; the network input (3, 224, 224) is made from it per batch.</summary>
/// <remarks>Element k is slice <c>d0 + k</c>; its id in result files is that absolute index (spec §2.2).</remarks>
public sealed class SliceElements : IElementSet
{
    private readonly SliceSource source;

    /// <summary>Creates the set of the <paramref name="count"/> used slices of <paramref name="source"/>'s range.</summary>
    public SliceElements(SliceSource source, int count)
    {
        this.source = source;
        Count = count;
    }

    /// <summary>The direction and the slices used.</summary>
    public SliceRange Range => source.Range;

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public string Level => "slice";

    /// <inheritdoc />
    public string Noun => "slice";

    /// <inheritdoc />
    public int Channels => 3;

    /// <inheritdoc />
    public string Name(int k) => $"slice-{Range.SliceId(k)}";

    /// <inheritdoc />
    public int Id(int k) => Range.SliceId(k);

    /// <inheritdoc />
    public int[] Shape(int k) => [SliceExtractor.Side, SliceExtractor.Side];

    /// <inheritdoc />
    public int[]? Origin(int k) => null;

    /// <summary>A plane takes a quarter of the floats of one channel: its bytes are stored as they are.</summary>
    public int StoredLength(int k) => SliceExtractor.PlaneSize / sizeof(float);

    /// <inheritdoc />
    public void Expand(int k, ReadOnlySpan<float> stored, Span<float> input) => SliceExtractor.ToInput(MemoryMarshal.AsBytes(stored), input);

    /// <inheritdoc />
    public int Load(Session session, IReadOnlyList<Memory<float>> destinations)
    {
        var planes = new byte[Count * SliceExtractor.PlaneSize];
        int constant = source.Load(session, Count, planes);
        for (int k = 0; k < Count; k++)
            planes.AsSpan(k * SliceExtractor.PlaneSize, SliceExtractor.PlaneSize).CopyTo(MemoryMarshal.AsBytes(destinations[k].Span));
        return constant;
    }
}
