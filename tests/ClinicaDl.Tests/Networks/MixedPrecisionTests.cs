using ClinicaDl.Evaluation;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

/// <summary>The hand-made mixed-precision forward passes of <c>--amp</c>.</summary>
public sealed class MixedPrecisionTests
{
    [Fact]
    public void Conv4Fc3_MixedInFloat32_IsTheOrdinaryForward()
    {
        // Same layers, same strides and paddings: with float32 as the "half" type nothing may differ.
        manual_seed(1);
        using var model = new Conv4Fc3(0.5);
        AssertSameAsOrdinary(model, x => model.ForwardMixed(x, ScalarType.Float32), [2, 1, 50, 50, 50]);
    }

    [Fact]
    public void AutoEncoder_MixedInFloat32_IsTheOrdinaryForward()
    {
        manual_seed(2);
        using var model = new AutoEncoder();
        AssertSameAsOrdinary(model, x => model.ForwardMixed(x, ScalarType.Float32), [2, 1, 31, 40, 33]);
    }

    private static void AssertSameAsOrdinary(nn.Module<Tensor, Tensor> model, Func<Tensor, Tensor> mixed, long[] shape)
    {
        using var scope = NewDisposeScope();
        model.eval();
        var x = rand(shape);
        using var noGrad = no_grad();
        Assert.True(mixed(x).allclose(model.call(x), rtol: 1e-5, atol: 1e-6));
    }

    [Bf16ConvolutionFact]
    public void Conv4Fc3_Bfloat16_GivesFloat32LogitsAndFloat32GradientsCloseToFloat32()
    {
        LibTorchAllocator.ZeroFill(); // as the training run does: oneDNN's padded blocks must not hold a freed NaN
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new Conv4Fc3(0);
        model.train();
        var x = rand(new long[] { 4, 1, 50, 50, 50 });
        var y = tensor(new long[] { 0, 1, 0, 1 });

        var reference = model.call(x);
        nn.functional.cross_entropy(reference, y, reduction: nn.Reduction.Sum).backward();
        var g32 = cat(model.parameters().Select(p => p.grad!.flatten().clone()).ToList(), 0);
        model.zero_grad();

        var mixed = model.ForwardMixed(x, ScalarType.BFloat16);
        Assert.Equal(ScalarType.Float32, mixed.dtype);
        nn.functional.cross_entropy(mixed, y, reduction: nn.Reduction.Sum).backward();
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
        var g16 = cat(model.parameters().Select(p => p.grad!.flatten()).ToList(), 0);

        // bfloat16 keeps 8 bits of mantissa: logits agree to about 1 %, gradients point the same way.
        double logitError = ((mixed - reference).abs().max() / reference.abs().max()).item<float>();
        Assert.True(logitError < 0.05, $"relative logit error {logitError}");
        double cosine = (g32.dot(g16) / (g32.norm() * g16.norm())).item<float>();
        Assert.True(cosine > 0.9, $"gradient cosine {cosine}");
    }

    [Fact]
    public void Conv4Fc3_EvaluationUnderCastOnce_GivesTheSameLogitsAsCastingPerBatch()
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var model = new Conv4Fc3(0);
        model.eval();
        var x = rand(new long[] { 2, 1, 50, 50, 50 });
        using var noGrad = no_grad();
        var perBatch = model.ForwardMixed(x, ScalarType.BFloat16);
        Tensor once, again;
        using (MixedPrecision.CastOnce())
        {
            once = model.ForwardMixed(x, ScalarType.BFloat16);
            again = model.ForwardMixed(x, ScalarType.BFloat16);
        }
        Assert.True(once.allclose(perBatch, rtol: 0, atol: 0));
        Assert.True(again.allclose(perBatch, rtol: 0, atol: 0));
    }

    [Fact]
    public void PrecisionMode_WithoutAmp_IsFloat32_WithAmp_IsBfloat16()
    {
        Assert.Same(PrecisionMode.Float32, PrecisionMode.For(amp: false, useCpu: true));
        var amp = PrecisionMode.For(amp: true, useCpu: true);
        // On a CPU without native bfloat16 --amp warns and stays in float32; on a GPU it is always bfloat16.
        Assert.Equal(PrecisionMode.CpuRunsBf16() ? ScalarType.BFloat16 : null, amp.Half);
        Assert.StartsWith(PrecisionMode.CpuRunsBf16() ? "bfloat16 mixed" : "float32 (--amp ignored", amp.Description);
        Assert.Equal(ScalarType.BFloat16, PrecisionMode.For(amp: true, useCpu: false).Half);
        Assert.Equal(!PrecisionMode.CpuRunsBf16(), amp.Warning is not null);
    }
}

/// <summary>
/// A fact about bfloat16 arithmetic, skipped (saying why) where LibTorch's own bfloat16 convolution disagrees with float32
/// beyond rounding: there <c>--amp</c> falls back to float32, which <c>PrecisionMode_WithoutAmp_…</c> checks.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class Bf16ConvolutionFactAttribute : FactAttribute
{
    public Bf16ConvolutionFactAttribute()
    {
        double error = PrecisionMode.Bf16ConvolutionError();
        if (error > PrecisionMode.Bf16Tolerance)
            Skip = $"LibTorch's bfloat16 convolution is wrong on this CPU (relative error {error:0.###} against float32); --amp runs float32 here";
    }
}

