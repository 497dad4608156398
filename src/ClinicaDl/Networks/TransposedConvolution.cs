using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>ConvTranspose3d's forward pass computed as the equivalent ordinary convolution.</summary>
/// <remarks>
/// LibTorch 2.10's CPU <c>conv_transpose3d</c> (the build TorchSharp 0.107 ships) gives batch-dependent, run-to-run
/// different results: a sample's output changes with the other samples of its batch, by up to the size of the output
/// itself (measured: 0.3–1.0 on unit-scale outputs, and NaN in ROI autoencoder training). A transposed convolution
/// with stride 1 is the convolution of the zero-padded input with the kernel flipped on every spatial axis and its
/// two channel axes swapped, with padding <c>k − 1 − p</c>; that is exact, differentiable with respect to the weight
/// and the bias, and goes through LibTorch's <c>conv3d</c>, which agrees with PyTorch to 1e-8. The module keeps its
/// parameters, so the state-dict keys and shapes (cin, cout, k, k, k) are unchanged.
/// </remarks>
public static class TransposedConvolution
{
    /// <summary>The output of <paramref name="layer"/> for <paramref name="input"/>, in <paramref name="half"/> when given (mixed precision) or float32.</summary>
    /// <exception cref="NotSupportedException">The layer has a stride, dilation, output padding or groups other than 1, 1, 0, 1 (no ClinicaDL network has).</exception>
    public static Tensor Forward(ConvTranspose3d layer, Tensor input, ScalarType? half = null)
    {
        if (layer.stride!.Any(s => s != 1) || layer.dilation!.Any(d => d != 1) || layer.output_padding!.Any(p => p != 0) || layer.groups != 1)
            throw new NotSupportedException("only stride-1, undilated, ungrouped transposed convolutions are computed as convolutions.");
        using var scope = NewDisposeScope();
        Tensor weight = layer.weight!;
        var kernel = weight.shape.AsSpan(2).ToArray();
        var padding = layer.padding!;
        long[] convPadding = [kernel[0] - 1 - padding[0], kernel[1] - 1 - padding[1], kernel[2] - 1 - padding[2]];
        var flipped = weight.transpose(0, 1).flip(2, 3, 4);
        return ExactConvolution.Conv3d(input, flipped, layer.bias, padding: convPadding, half: half).MoveToOuterDisposeScope();
    }
}
