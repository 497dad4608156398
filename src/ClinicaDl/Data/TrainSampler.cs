using ClinicaDl.Common;

namespace ClinicaDl.Data;

/// <summary><c>--sampler</c> values.</summary>
public enum SamplerKind
{
    /// <summary>A uniform random permutation of all elements each epoch.</summary>
    Random,
    /// <summary>As many draws with replacement as elements, with probability ∝ 1 / count(class of the element) (spec §6.3).</summary>
    Weighted,
}

/// <summary>Chooses the order of the training elements of each epoch (spec §6.3); deterministic for a seed.</summary>
/// <remarks>Only the training loader uses it: evaluation walks the table in order (decisions 6 and 12).</remarks>
public sealed class TrainSampler
{
    private readonly IReadOnlyList<ElementSample> elements;
    private readonly SamplerKind kind;
    private readonly double[] cumulative;

    /// <summary>Creates the sampler over <paramref name="elements"/>.</summary>
    public TrainSampler(IReadOnlyList<ElementSample> elements, SamplerKind kind)
    {
        this.elements = elements;
        this.kind = kind;
        int count0 = elements.Count(e => e.Label == 0), count1 = elements.Count(e => e.Label == 1);
        cumulative = new double[elements.Count];
        double total = 0;
        for (int i = 0; i < elements.Count; i++)
        {
            int count = elements[i].Label == 0 ? count0 : count1;
            total += count == 0 ? 0 : 1.0 / count;
            cumulative[i] = total;
        }
    }

    /// <summary>The elements of an epoch, in order, drawn from <paramref name="rng"/> (one stream per epoch, so a resumed epoch draws the same order).</summary>
    public IReadOnlyList<ElementSample> NextEpoch(RandomSource rng)
    {
        if (kind == SamplerKind.Random)
        {
            var permutation = rng.Permutation(elements.Count);
            return permutation.Select(i => elements[i]).ToList();
        }
        var drawn = new List<ElementSample>(elements.Count);
        double total = cumulative.Length == 0 ? 0 : cumulative[^1];
        for (int n = 0; n < elements.Count; n++)
        {
            double u = rng.NextDouble() * total;
            int i = Array.BinarySearch(cumulative, u);
            i = i < 0 ? ~i : i + 1;
            drawn.Add(elements[Math.Min(i, elements.Count - 1)]);
        }
        return drawn;
    }
}
