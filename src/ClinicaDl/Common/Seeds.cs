namespace ClinicaDl.Common;

/// <summary>Derives every random stream of a run from <c>--seed</c> and the position it is used at.</summary>
/// <remarks>
/// Each stream is a pure function of (seed, purpose, fold, network, epoch, batch): the sampler's order of epoch e,
/// the augmentation of batch b, LibTorch's generator before step s (dropout). Nothing random is carried from one
/// step to the next, so an interrupted run resumed at a step boundary draws exactly what the uninterrupted run
/// would have drawn, and results never depend on timing or thread counts (DESIGN decision 5).
/// </remarks>
public static class Seeds
{
    /// <summary>A generator for <paramref name="purpose"/> at the given position.</summary>
    public static RandomSource Stream(long seed, string purpose, params int[] position)
        => new(seed, purpose + "/" + string.Join("/", position));

    /// <summary>A 63-bit seed for LibTorch's generator at the given position.</summary>
    public static long TorchSeed(long seed, string purpose, params int[] position)
        => (long)(Stream(seed, purpose, position).NextUInt64() >> 1);
}
