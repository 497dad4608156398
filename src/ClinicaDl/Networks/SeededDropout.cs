using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>PyTorch's <c>nn.Dropout</c> (no parameters, the same place in a state dict), drawing its mask from
/// <see cref="LayerDraws"/> instead of LibTorch's process-wide generator.</summary>
/// <remarks>In training, each element is kept with probability 1 − p and scaled by 1 / (1 − p), as PyTorch's
/// <c>dropout</c> does (a Bernoulli mask divided by 1 − p, multiplied in); in evaluation, and for p = 0, the input passes
/// unchanged.</remarks>
public sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double probability;

    /// <summary>A dropout layer of probability <paramref name="probability"/> (0 ≤ p &lt; 1).</summary>
    public SeededDropout(double probability) : base("Dropout")
    {
        if (probability is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(probability), probability, "a dropout probability is in [0, 1)");
        this.probability = probability;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (!training || probability == 0) return input.alias();
        using var scope = NewDisposeScope();
        using Scalar keep = 1 - probability;
        var noise = empty_like(input).bernoulli_(1 - probability, LayerDraws.For(input.device)).div_(keep);
        return input.mul(noise).MoveToOuterDisposeScope();
    }
}
