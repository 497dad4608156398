using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>The two-dimensional <see cref="PadMaxPool3d"/>: pads each odd axis with one zero row at its low end, then max-pools 2×2 / 2.</summary>
/// <remarks>Used by <see cref="RandomArchitecture"/> on 2-D inputs (slices, phantoms). No parameters, no state-dict keys.</remarks>
public sealed class PadMaxPool2d : nn.Module<Tensor, Tensor>
{
    private readonly int kernel;
    private readonly int stride;

    /// <summary>Creates the pooling layer (kernel 2, stride 2 in ClinicaDL).</summary>
    public PadMaxPool2d(int kernel = 2, int stride = 2) : base(nameof(PadMaxPool2d))
    {
        this.kernel = kernel;
        this.stride = stride;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        long padH = (stride - input.shape[2] % stride) % stride, padW = (stride - input.shape[3] % stride) % stride;
        using var scope = NewDisposeScope();
        var padded = padH > 0 || padW > 0 ? nn.functional.pad(input, [padW, 0, padH, 0]) : input.alias();
        return nn.functional.max_pool2d(padded, [kernel, kernel], [stride, stride]).MoveToOuterDisposeScope();
    }
}
