namespace ClinicaDl.Data;

/// <summary>A mini-batch ready to become a tensor: elements (B × C × X × Y × Z, C order), labels and origins.</summary>
/// <remarks>Owns its <see cref="Buffer"/>: <see cref="BatchStream.Batches"/> disposes it when the consumer moves on.</remarks>
/// <param name="Buffer">The elements, one after the other.</param>
/// <param name="Channels">Channels of each element (1 for 3D elements).</param>
/// <param name="Shape">Spatial shape of each element (X, Y, Z).</param>
/// <param name="Labels">Class of each element (int64, as cross-entropy wants).</param>
/// <param name="Samples">Where each element came from.</param>
/// <param name="Index">Position of the batch in its pass (0-based).</param>
public sealed record Batch(BatchBuffer Buffer, int Channels, int[] Shape, long[] Labels, IReadOnlyList<ElementSample> Samples, int Index) : IDisposable
{
    /// <summary>Number of elements.</summary>
    public int Count => Samples.Count;

    /// <summary>The tensor shape (B, C, X, Y, Z).</summary>
    public long[] TensorShape => [Count, Channels, .. Shape.Select(s => (long)s)];

    /// <summary>Frees the buffer.</summary>
    public void Dispose() => Buffer.Dispose();
}
