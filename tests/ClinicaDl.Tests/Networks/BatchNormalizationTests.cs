using ClinicaDl.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

/// <summary><see cref="BatchNormalization"/> and <see cref="LeakyRelu"/> compute what TorchSharp's BatchNorm2d/3d and
/// LeakyReLU compute, keep the same state-dict keys, and differ only in holding their Scalars (see <see cref="HeldScalars"/>).</summary>
public sealed class BatchNormalizationTests
{
    public static TheoryData<int> SpatialDimensions => new() { 2, 3 };

    private static BatchNorm TorchSharps(int dims, long features) => dims == 2 ? nn.BatchNorm2d(features) : nn.BatchNorm3d(features);

    private static BatchNormalization Ours(int dims, long features) => dims == 2 ? BatchNormalization.Of2d(features) : BatchNormalization.Of3d(features);

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor Input(int dims, int seed)
    {
        var generator = new Generator((ulong)seed);
        long[] shape = dims == 2 ? [4, 3, 5, 6] : [4, 3, 5, 6, 2];
        return randn(shape, generator: generator).mul(3).add(1.5);
    }

    [Theory]
    [MemberData(nameof(SpatialDimensions))]
    public void StateDictKeys_AndShapes_AreTorchSharpsAndPyTorchs(int dims)
    {
        using var theirs = TorchSharps(dims, 3);
        using var ours = Ours(dims, 3);
        var expected = theirs.state_dict().Select(kv => (kv.Key, string.Join("x", kv.Value.shape), kv.Value.dtype)).ToList();
        var actual = ours.state_dict().Select(kv => (kv.Key, string.Join("x", kv.Value.shape), kv.Value.dtype)).ToList();
        Assert.Equal(["bias", "num_batches_tracked", "running_mean", "running_var", "weight"], actual.Select(k => k.Key).Order(StringComparer.Ordinal));
        Assert.Equal(expected, actual); // same order too: PyTorch's weight, bias, running_mean, running_var, num_batches_tracked
        Assert.Equal($"BatchNorm{dims}d", ours.GetName());
    }

    [Theory]
    [MemberData(nameof(SpatialDimensions))]
    public void TrainingSteps_ThenEvaluation_GiveTorchSharpsOutputsGradientsAndRunningStatistics(int dims)
    {
        using var scope = NewDisposeScope();
        var theirs = TorchSharps(dims, 3);
        var ours = Ours(dims, 3);
        using (no_grad())
        {
            // Non-trivial affine parameters, the same in both.
            theirs.weight.copy_(tensor(new float[] { 0.5f, 2f, -1f }));
            theirs.bias!.copy_(tensor(new float[] { 0.1f, -0.2f, 0.3f }));
            ours.load_state_dict(theirs.state_dict());
        }
        for (int step = 0; step < 3; step++)
        {
            var x = Input(dims, step);
            var expected = theirs.call(x.requires_grad_(true));
            expected.pow(2).sum().backward();
            var expectedGrad = x.grad!.clone();
            var y = Input(dims, step).requires_grad_(true);
            var actual = ours.call(y);
            actual.pow(2).sum().backward();
            Assert.True(Same(expected, actual), $"step {step}: outputs differ");
            Assert.True(Same(expectedGrad, y.grad!), $"step {step}: input gradients differ");
            Assert.True(Same(theirs.weight.grad!, ours.weight.grad!), $"step {step}: weight gradients differ");
        }
        foreach (var (key, value) in theirs.state_dict())
            Assert.True(Same(value, ours.state_dict()[key]), $"{key} differs after training steps");
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());

        theirs.eval();
        ours.eval();
        using (no_grad())
        {
            var x = Input(dims, 7);
            Assert.True(Same(theirs.call(x), ours.call(x)), "evaluation outputs differ");
        }
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>()); // evaluation leaves the running statistics alone
    }

    [Theory]
    [MemberData(nameof(SpatialDimensions))]
    public void AnInputOfTheWrongRank_IsRefused_AsTorchSharpRefusesIt(int dims)
    {
        using var scope = NewDisposeScope();
        var wrong = zeros(dims == 2 ? [2, 3, 4] : [2, 3, 4, 4]);
        Assert.ThrowsAny<ArgumentException>(() => TorchSharps(dims, 3).call(wrong));
        var e = Assert.Throws<ArgumentException>(() => Ours(dims, 3).call(wrong));
        Assert.Contains($"{dims + 2}-D", e.Message);
    }

    [Fact]
    public void LeakyRelu_GivesTorchSharpsOutputAndGradient()
    {
        using var scope = NewDisposeScope();
        var x = linspace(-3, 3, 61).requires_grad_(true);
        var expected = nn.LeakyReLU(0.01).call(x);
        expected.sum().backward();
        var expectedGrad = x.grad!.clone();
        x.grad!.zero_();
        using var ours = new LeakyRelu(0.01);
        var actual = ours.call(x);
        actual.sum().backward();
        Assert.True(Same(expected, actual));
        Assert.True(Same(expectedGrad, x.grad!));
        Assert.Empty(ours.state_dict());
    }
}
