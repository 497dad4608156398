using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Support;

/// <summary>Known wrong results of the LibTorch build on the machine running the tests, measured once per test run.</summary>
/// <remarks>
/// On an AMD EPYC with AVX512-BF16 (LibTorch 2.10, oneDNN), a float32 3-D convolution of a batch of more than one image
/// whose input channel count is larger than oneDNN's channel block and not a multiple of it (Conv4_FC3's 25 → 50 and
/// 50 → 50 layers) is 0.17–0.41 off (relative to the largest output) from float64, while the same convolution one image at
/// a time agrees to 5e-7; zero-filled allocations do not change it, ONEDNN_MAX_CPU_ISA=AVX2 does not either, and
/// disabling oneDNN (at::Context::setUserEnabledMkldnn) makes it exact but 6–12 times slower. Python's torch 1.13 on
/// the same CPU is exact. Interoperability tests that compare our batched evaluation with PyTorch cannot hold there.
/// </remarks>
internal static class LibTorchDefects
{
    private static readonly Lazy<double> BatchedError = new(MeasureBatchedConvolutionError);

    /// <summary>Largest relative difference between a batched 25 → 50 channel conv3d and the same convolution image by image.</summary>
    public static double BatchedConvolutionError() => BatchedError.Value;

    private static double MeasureBatchedConvolutionError()
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = arange(4 * 25 * 12 * 12 * 12, ScalarType.Float32).mul(0.37).sin().reshape(4, 25, 12, 12, 12);
        var w = arange(50 * 25 * 27, ScalarType.Float32).mul(0.91).cos().mul(0.1).reshape(50, 25, 3, 3, 3);
        var batched = nn.functional.conv3d(x, w, padding: [1, 1, 1]);
        var single = cat(Enumerable.Range(0, 4).Select(i => nn.functional.conv3d(x[i..(i + 1)], w, padding: [1, 1, 1])).ToList(), 0);
        double error = ((batched - single).abs().max() / single.abs().max()).item<float>();
        return double.IsFinite(error) ? error : double.PositiveInfinity;
    }
}
