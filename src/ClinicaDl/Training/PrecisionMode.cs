using ClinicaDl.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>The arithmetic a run uses: float32, or bfloat16 mixed precision with <c>--amp</c>.</summary>
/// <param name="Half">The type convolutions and linear layers run in, or null for float32 throughout.</param>
/// <param name="Description">What <c>environment.txt</c> and the log say.</param>
/// <param name="Warning">A warning to print before training, or null.</param>
public sealed record PrecisionMode(ScalarType? Half, string Description, string? Warning)
{
    /// <summary>Float32 everywhere (the default).</summary>
    public static readonly PrecisionMode Float32 = new(null, "float32", null);

    /// <summary>
    /// The precision for <c>--amp</c> on a device. bfloat16 on both CPU and GPU: TorchSharp 0.107 has no GradScaler,
    /// and float16 gradients of the summed cross-entropy would underflow without one; bfloat16 has float32's range.
    /// On a CPU without native bfloat16 (neither AVX512-BF16 nor AMX) LibTorch would emulate it, 7 to 10 times slower
    /// than float32: the run warns and stays in float32.
    /// </summary>
    public static PrecisionMode For(bool amp, bool useCpu)
    {
        if (!amp) return Float32;
        if (useCpu && !CpuHasBf16())
            return Float32 with
            {
                Description = "float32 (--amp ignored: no native bfloat16 on this CPU)",
                Warning = "--amp: this CPU has neither AVX512-BF16 nor AMX, where LibTorch emulates bfloat16 many times slower than float32; training in float32 instead.",
            };
        if (useCpu && Bf16ConvolutionError() is var error && error > Bf16Tolerance)
            return Float32 with
            {
                Description = $"float32 (--amp ignored: LibTorch's bfloat16 convolution is wrong on this CPU, relative error {error:0.###})",
                Warning = $"--amp: LibTorch's bfloat16 3-D convolution gives wrong results on this CPU (relative error {error:0.###} against float32 where rounding allows about 0.005, for channel counts that are not a multiple of 16); training in float32 instead.",
            };
        bool firstInHalf = !useCpu || FirstConvolutionInBf16();
        return new PrecisionMode(ScalarType.BFloat16,
            "bfloat16 mixed (--amp): convolutions and linear layers in bfloat16"
            + (firstInHalf ? "" : $" but the first (single input channel: LibTorch's bfloat16 kernel is wrong on this CPU, relative error {ExactConvolution.SingleChannelHalfError(ScalarType.BFloat16):0.###}), whose block stays float32")
            + "; BatchNorm, ReLU and pooling in the type they receive; float32 master weights and loss", null);
    }

    /// <summary>True when <c>--amp</c> on this CPU also runs the first convolution of a network (one input channel) in bfloat16 (<see cref="ExactConvolution.RunsInHalf"/>).</summary>
    public static bool FirstConvolutionInBf16()
    {
        LibTorchAllocator.ZeroFill();
        return ExactConvolution.SingleChannelRunsInHalf(ScalarType.BFloat16);
    }

    /// <summary>The largest relative error of a bfloat16 convolution against float32 that rounding explains (8-bit mantissa: about 0.005); the single-channel check's limit too.</summary>
    public const double Bf16Tolerance = ExactConvolution.HalfTolerance;

    /// <summary>True when <c>--amp</c> runs bfloat16 on this CPU: native bfloat16, and LibTorch's bfloat16 convolution agrees with float32.</summary>
    public static bool CpuRunsBf16() => CpuHasBf16() && Bf16ConvolutionError() <= Bf16Tolerance;

    /// <summary>
    /// The relative error of our bfloat16 3-D convolutions (<see cref="ExactConvolution"/>, as <c>--amp</c> runs them) against
    /// float32, measured once per process on a small fixed input with Conv4_FC3's awkward channel counts (1 → 8 and 25 → 50).
    /// </summary>
    /// <remarks>
    /// Measured on an AMD EPYC with AVX512-BF16 and LibTorch 2.10: 0.004 for 8 → 16 and 16 → 32 channels, but 0.21–0.75
    /// for 1 → 8, 1 → 15, 15 → 25 and 25 → 50 in LibTorch's default kernels (oneDNN's blocked bfloat16 kernels with a
    /// partial channel block), with zero-filled allocations; PyTorch 1.13 on the same CPU gives 0.004 for all of them.
    /// <see cref="ExactConvolution"/> avoids those kernels (0.003); the probe stays as the guard for CPUs and LibTorch
    /// builds where bfloat16 is still wrong. The probe uses no random
    /// generator, so it does not change a run's seeded results.
    /// </remarks>
    public static double Bf16ConvolutionError() => Bf16Error.Value;

    private static readonly Lazy<double> Bf16Error = new(MeasureBf16ConvolutionError);

    private static double MeasureBf16ConvolutionError()
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double worst = 0;
        foreach (var (input, output) in new[] { (1L, 8L), (25L, 50L) })
        {
            var x = ExactConvolution.Pattern(0.37, 1, sine: true, 2, input, 10, 10, 10);
            var w = ExactConvolution.Pattern(0.91, 0.3, sine: false, output, input, 3, 3, 3);
            var b = ExactConvolution.Pattern(0.1, 0.1, sine: false, output);
            var reference = ExactConvolution.Conv3d(x, w, b, padding: [1, 1, 1]);
            var half = ExactConvolution.Conv3d(x, w, b, padding: [1, 1, 1], half: ScalarType.BFloat16);
            worst = Math.Max(worst, ExactConvolution.RelativeError(half, reference));
        }
        return worst;
    }

    /// <summary>True when /proc/cpuinfo lists <c>avx512_bf16</c> or <c>amx_bf16</c> (false where it cannot be read).</summary>
    public static bool CpuHasBf16()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
                var flags = line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries);
                return flags.Contains("avx512_bf16") || flags.Contains("amx_bf16");
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }

    /// <summary>The forward pass of <paramref name="model"/> in this precision; the output is float32.</summary>
    public Tensor Forward(nn.Module<Tensor, Tensor> model, Tensor input) => (Half, model) switch
    {
        (null, _) => model.call(input),
        (ScalarType h, IMixedPrecisionForward network) => network.ForwardMixed(input, h),
        _ => throw new InvalidOperationException($"no mixed-precision forward pass for {model.GetType().Name}"),
    };
}
