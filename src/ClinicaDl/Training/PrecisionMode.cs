using ClinicaDl.Networks;
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
        return new PrecisionMode(ScalarType.BFloat16,
            "bfloat16 mixed (--amp): convolutions and linear layers in bfloat16; float32 master weights, BatchNorm and loss", null);
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
