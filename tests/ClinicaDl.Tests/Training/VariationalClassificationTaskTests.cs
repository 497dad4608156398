using ClinicaDl.Networks;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Training;

/// <summary>VConv5_FC3's training loss (spec modes §3.5): summed cross-entropy plus the KL term at the sampled latent vector.</summary>
/// <remarks>Serial: the latent sample draws from LibTorch's process-wide generator, which other classes' tests seed and draw from.</remarks>
[Collection(ClinicaDl.Tests.EndToEnd.SerialTorchCollection.Name)]
public sealed class VariationalClassificationTaskTests
{
    [Fact]
    public void TrainingLoss_IsSummedCrossEntropyPlusKl_AtTheSampleTheSeedDraws()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad(); // the value is what is checked; the gradient follows from the same graph
        manual_seed(3);
        using var model = new VConv5Fc3();
        var task = ClassificationTask.For(model, CPU);
        Assert.IsType<VariationalClassificationTask>(task);
        Assert.True(task.Variational);
        Assert.True(task.LossIsSummed);
        model.train();
        var input = rand([1, 1, 161, 193, 161]);
        var labels = tensor(new long[] { 1 });

        LayerDraws.Seed(5);
        double loss = task.TrainingLoss(input, labels).item<float>();
        LayerDraws.Seed(5);
        var output = model.ForwardVariational(input);
        double ce = nn.functional.cross_entropy(output.Logits, labels, reduction: nn.Reduction.Sum).item<float>();
        double kl = VConv5Fc3.KlDivergence(output).item<float>();

        Assert.True(Math.Abs(loss - (ce + kl)) <= 1e-5 * Math.Abs(loss), $"loss {loss}, CE {ce} + KL {kl}");
        Assert.True((output.Z - output.Mu).abs().max().item<float>() > 0, "training mode draws z, not mu");
        // The KL term written out: the mean over the 1300 latent dimensions of log N(z; mu, std) − log N(z; 0, 1), summed over the batch.
        var (z, mu, std) = (output.Z.to(ScalarType.Float64), output.Mu.to(ScalarType.Float64), output.Std.to(ScalarType.Float64));
        double expected = (-(z - mu).square() / (2 * std.square()) - std.log() + z.square() / 2).mean([1]).sum().item<double>();
        Assert.True(Math.Abs(kl - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"KL {kl}, written out {expected}");
    }

    /// <summary>With <c>--amp</c> the variational forward pass runs in bfloat16 mixed precision (<see cref="VConv5Fc3.ForwardVariationalMixed"/>):
    /// at the same sample, the loss is float32's within bfloat16 rounding.</summary>
    [ClinicaDl.Tests.Networks.Bf16ConvolutionFact]
    public void TrainingLoss_WithAmp_IsFloat32sWithinBfloat16Rounding()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        manual_seed(3);
        using var model = new VConv5Fc3();
        model.train();
        var input = rand([1, 1, 161, 193, 161]);
        var labels = tensor(new long[] { 0 });
        var amp = PrecisionMode.For(amp: true, useCpu: true);
        Assert.Equal(PrecisionMode.CpuRunsBf16() ? ScalarType.BFloat16 : null, amp.Half);

        LayerDraws.Seed(5);
        double mixed = ClassificationTask.For(model, CPU, amp).TrainingLoss(input, labels).item<float>();
        LayerDraws.Seed(5);
        double full = ClassificationTask.For(model, CPU).TrainingLoss(input, labels).item<float>();
        Assert.True(double.IsFinite(mixed) && Math.Abs(mixed - full) <= 0.05 * Math.Abs(full), $"--amp loss {mixed}, float32 loss {full}");
    }

    [Fact]
    public void For_GivesThePlainTaskToOtherNetworks()
    {
        using var model = Architecture.Conv5Fc3Mni.CreateCnn(0);
        var task = ClassificationTask.For(model, CPU);
        Assert.IsType<ClassificationTask>(task);
        Assert.False(task.Variational);
    }
}
