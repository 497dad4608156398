using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>Convolutions computed where LibTorch 2.10's oneDNN kernels are exact: channels-last memory format, and float32 for single-channel inputs under <c>--amp</c>.</summary>
/// <remarks>
/// On an AMD EPYC with AVX512-BF16, LibTorch 2.10 (the build TorchSharp 0.107 ships) computes wrong convolutions in its
/// default (blocked, 16-channel) kernels whenever a channel count the kernel reads is not a multiple of the block. In
/// float32 (docs/performance.md, "LibTorch defects"): the forward pass of a batch of more than one image with 25 or 50
/// input channels (Conv4_FC3's 25 → 50 and 50 → 50 layers) is 0.17–0.40 off float64 relative to the largest output, and
/// the input gradient of every Conv4_FC3 layer (15, 25 or 50 output channels) is 0.2–0.4 off; Conv4_FC3's parameter
/// gradients were 1.5–1.8 off, so training followed wrong gradients. In bfloat16 the forward pass is 0.2–0.6 off for
/// the same counts and for single-channel inputs (1 → 8, 1 → 15). The same convolutions on channels-last tensors
/// are exact (forward, input and weight gradients ≤ 2e-6 relative in float32; bfloat16 within its rounding, 3e-3), and
/// as fast or faster; Conv4_FC3's parameter gradients then match float64 as closely as PyTorch 1.13's do (2e-4 at
/// batch 8). A single-channel input has one layout only, so under <c>--amp</c> such a layer (the first of every 3-D
/// network) runs in the half type only where <see cref="SingleChannelHalfError"/> shows LibTorch's kernel is right,
/// and in float32 (output float32) elsewhere. Tensor values are unchanged: only their layout
/// in memory differs. <c>ExactConvolutionTests</c> checks all of this on the machine running the tests.
/// </remarks>
public static class ExactConvolution
{
    /// <summary><paramref name="x"/> (N, C, spatial…) laid out channels-last; the same tensor when it already is or has one channel.</summary>
    public static Tensor ChannelsLast(Tensor x)
    {
        if (x.shape[1] == 1) return x;
        return x.dim() switch
        {
            5 => x.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3),
            4 => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
            _ => x,
        };
    }

    /// <summary><c>conv3d</c> of <paramref name="x"/> by <paramref name="weight"/>, computed exactly (see the class): in
    /// <paramref name="half"/> when given and <see cref="RunsInHalf"/> (output in that type), else in float32.</summary>
    public static Tensor Conv3d(Tensor x, Tensor weight, Tensor? bias, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1, ScalarType? half = null)
    {
        if (half is not ScalarType h)
            return nn.functional.conv3d(ChannelsLast(x), weight, bias, stride, padding, dilation, groups);
        if (RunsInHalf(weight, groups, x.device_type, h))
            return nn.functional.conv3d(ChannelsLast(x.to(h)), weight.to(h), bias?.to(h), stride, padding, dilation, groups);
        // A single-channel input where LibTorch's half kernels are wrong: float32, and the output stays float32 (the
        // normalisation, ReLU and pooling after it run in the type they receive; the next convolution casts).
        return nn.functional.conv3d(x.to(ScalarType.Float32), weight.to(ScalarType.Float32), bias?.to(ScalarType.Float32), stride, padding, dilation, groups);
    }

    /// <summary>Whether a 3-D convolution by <paramref name="weight"/> runs in <paramref name="half"/> under <c>--amp</c>:
    /// always with more than one input channel (channels-last is exact), and with a single input channel off the CPU
    /// or where <see cref="SingleChannelHalfError"/> is within <see cref="HalfTolerance"/>.</summary>
    public static bool RunsInHalf(Tensor weight, long groups, DeviceType device, ScalarType half)
        => weight.shape[1] * groups > 1 || device != DeviceType.CPU || SingleChannelRunsInHalf(half);

    /// <summary>Whether a single-input-channel convolution runs in <paramref name="half"/> on the CPU: <see cref="SingleChannelHalfError"/> within <see cref="HalfTolerance"/>.</summary>
    public static bool SingleChannelRunsInHalf(ScalarType half) => SingleChannelHalfError(half) <= HalfTolerance;

    /// <summary>The largest relative error against float32 that a half-type convolution may have and still run in that
    /// type (bfloat16 rounding: about 0.005; LibTorch's wrong kernels were 0.2–0.75 off).</summary>
    public const double HalfTolerance = 0.05;

    /// <summary>The relative error, against float32, of LibTorch's single-channel 3-D convolution (1 → 15 channels,
    /// batch 2) in <paramref name="half"/> on the CPU: the largest of the forward pass and the weight gradient,
    /// measured once per process and type on a fixed input (no random generator is touched).</summary>
    /// <remarks>A single-channel input has one memory layout, so channels-last cannot route around a wrong kernel:
    /// 0.2–0.75 off on an AMD EPYC with AVX512-BF16 (docs/performance.md, "LibTorch defects"), 0.005 on an Intel
    /// Xeon with AMX, where the first block in bfloat16 is what makes <c>--amp</c> pay.</remarks>
    public static double SingleChannelHalfError(ScalarType half) => SingleChannelErrors.GetOrAdd(half, MeasureSingleChannel);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ScalarType, double> SingleChannelErrors = new();

    private static double MeasureSingleChannel(ScalarType half)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad(); // also when first asked from an evaluation pass
        var x = Pattern(0.37, 1, sine: true, 2, 1, 12, 12, 12);
        var w = Pattern(0.91, 0.3, sine: false, 15, 1, 3, 3, 3);
        var b = Pattern(0.1, 0.1, sine: false, 15);
        var upstream = Pattern(0.37, 1, sine: false, 2, 15, 12, 12, 12);
        var (y32, g32) = ForwardAndWeightGradient(x, w, b, upstream, ScalarType.Float32);
        var (yHalf, gHalf) = ForwardAndWeightGradient(x, w, b, upstream, half);
        return Math.Max(RelativeError(yHalf, y32), RelativeError(gHalf, g32));
    }

    private static (Tensor Output, Tensor WeightGradient) ForwardAndWeightGradient(Tensor x, Tensor w, Tensor b, Tensor upstream, ScalarType type)
    {
        var weight = w.detach().requires_grad_(true);
        var y = nn.functional.conv3d(x.to(type), weight.to(type), b.to(type), padding: [1, 1, 1]).to(ScalarType.Float32);
        y.backward([upstream]);
        return (y.detach(), weight.grad!);
    }

    /// <summary>A fixed float32 tensor of <paramref name="shape"/> for probes that must not touch the random generator:
    /// <c>scale · sin(step · i)</c> (or cos) of each element's flat index i.</summary>
    internal static Tensor Pattern(double step, double scale, bool sine, params long[] shape)
    {
        using Scalar zero = 0, count = shape.Aggregate(1L, (a, n) => a * n), stepBy = step, scaleBy = scale; // held across the native calls (see HeldScalars)
        var angle = arange(zero, count, HeldScalars.One, ScalarType.Float32).mul(stepBy);
        return (sine ? angle.sin() : angle.cos()).mul(scaleBy).reshape(shape);
    }

    /// <summary>max |value − reference| / max |reference|, as a finite number or +∞ (a NaN anywhere counts as +∞).</summary>
    internal static double RelativeError(Tensor value, Tensor reference)
    {
        using var noGrad = no_grad();
        double error = ((value.to(ScalarType.Float32) - reference).abs().max() / reference.abs().max()).item<float>();
        return double.IsFinite(error) ? error : double.PositiveInfinity;
    }

    /// <summary><c>conv2d</c>, channels-last when a channel count is not a multiple of 16 (LibTorch's blocked kernels are right for the others, and its channels-last 2-D path logs NNPACK warnings).</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1, ScalarType? half = null)
    {
        long input = weight.shape[1] * groups, output = weight.shape[0];
        if (half is ScalarType h)
        {
            x = x.to(h);
            weight = weight.to(h);
            bias = bias?.to(h);
        }
        if (input % 16 != 0 || output % 16 != 0) x = ChannelsLast(x);
        return nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }
}
