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

    // As under torch.autocast: BatchNorm, ReLU and pooling run in the type they receive, so from the first
    // convolution that runs in bfloat16 on, activations stay bfloat16; BatchNorm's parameters and running
    // statistics stay float32 and are updated.
    [Bf16ConvolutionFact]
    public void Conv4Fc3_Bfloat16_KeepsActivationsInBfloat16_AndBatchNormStateInFloat32()
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = new Conv4Fc3(0);
        model.train();
        var x = rand(new long[] { 2, 1, 50, 50, 50 });
        var layers = model.Features.children().Cast<nn.Module<Tensor, Tensor>>().ToList();
        var firstBlock = x;
        for (int i = 0; i < 4; i++) firstBlock = MixedPrecision.Layer(layers[i], firstBlock, ScalarType.BFloat16);
        var expected = PrecisionMode.FirstConvolutionInBf16() ? ScalarType.BFloat16 : ScalarType.Float32;
        Assert.Equal(expected, firstBlock.dtype);
        var features = MixedPrecision.Sequence(model.Features, x, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, features.dtype);
        foreach (var (bn, i) in layers.OfType<BatchNormalization>().Select((bn, i) => (bn, i)))
        {
            Assert.Equal(ScalarType.Float32, bn.running_mean!.dtype);
            Assert.Equal(ScalarType.Float32, bn.weight!.dtype);
            Assert.True(bn.running_mean!.abs().sum().item<float>() > 0, "running mean updated");
            Assert.Equal(i == 0 ? 2 : 1, bn.num_batches_tracked!.item<long>()); // the first block ran twice above
        }
    }

    // The autoencoder in bfloat16: encoder pooling with indices and decoder unpooling in bfloat16, a float32
    // reconstruction pointing the same way as float32's, float32 gradients too.
    [Bf16ConvolutionFact]
    public void AutoEncoder_Bfloat16_ReconstructsAsFloat32()
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var model = new AutoEncoder();
        model.train();
        var x = rand(new long[] { 2, 1, 50, 50, 50 });
        var reference = model.call(x);
        nn.functional.mse_loss(reference, x, nn.Reduction.Sum).backward();
        var g32 = cat(model.parameters().Select(p => p.grad!.flatten().clone()).ToList(), 0);
        model.zero_grad();
        var mixed = model.ForwardMixed(x, ScalarType.BFloat16);
        Assert.Equal(ScalarType.Float32, mixed.dtype);
        nn.functional.mse_loss(mixed, x, nn.Reduction.Sum).backward();
        var g16 = cat(model.parameters().Select(p => p.grad!.flatten()).ToList(), 0);
        // Not element by element: where two values of a pooling window are within bfloat16's rounding, the argmax
        // (and so where unpooling puts the value) can flip; float32 BatchNorm did the same (cosine 0.97 both ways).
        var (a, b) = (mixed.flatten(), reference.flatten());
        double similarity = (a.dot(b) / (a.norm() * b.norm())).item<float>();
        Assert.True(similarity > 0.9, $"reconstruction cosine {similarity}");
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

