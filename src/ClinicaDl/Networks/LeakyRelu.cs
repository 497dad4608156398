using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>PyTorch's <c>LeakyReLU(negative_slope)</c> (no parameters, no state-dict keys), holding its slope as a
/// <see cref="Scalar"/> for its whole life: TorchSharp's LeakyReLU makes a temporary one per call (see <see cref="HeldScalars"/>).</summary>
public sealed class LeakyRelu : nn.Module<Tensor, Tensor>
{
    private readonly Scalar slope;

    /// <summary>Creates the activation; ClinicaDL's networks use a slope of 0.01.</summary>
    public LeakyRelu(double negativeSlope) : base("LeakyReLU") => slope = negativeSlope;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var output = input.leaky_relu(slope);
        GC.KeepAlive(slope);
        return output;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) slope.Dispose();
        base.Dispose(disposing);
    }
}
