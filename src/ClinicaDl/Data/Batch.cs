namespace ClinicaDl.Data;

/// <summary>A mini-batch ready to become a tensor: patches (B × X × Y × Z, C order), labels and origins.</summary>
/// <param name="Data">The patches, one after the other.</param>
/// <param name="Shape">Patch shape (X, Y, Z).</param>
/// <param name="Labels">Class of each element (int64, as cross-entropy wants).</param>
/// <param name="Samples">Where each element came from.</param>
/// <param name="Index">Position of the batch in its pass (0-based).</param>
public sealed record Batch(float[] Data, int[] Shape, long[] Labels, IReadOnlyList<RoiSample> Samples, int Index)
{
    /// <summary>Number of elements.</summary>
    public int Count => Samples.Count;

    /// <summary>The tensor shape (B, 1, X, Y, Z).</summary>
    public long[] TensorShape => [Count, 1, Shape[0], Shape[1], Shape[2]];
}
