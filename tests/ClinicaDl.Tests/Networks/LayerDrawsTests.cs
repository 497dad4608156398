using ClinicaDl.Networks;
using ClinicaDl.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

/// <summary>Initialisation and dropout draw from generators of their own: the same values as seeding LibTorch's
/// process-wide generator, and the same values whatever another thread draws from it meanwhile.</summary>
/// <remarks>Alone in its collection: the comparisons with <c>manual_seed</c> need nobody else drawing from LibTorch's generator.</remarks>
[Collection(Name)]
public sealed class LayerDrawsTests
{
    public const string Name = "LibTorch generator (alone)";

    private static List<ConvolutionBlock> Blocks(params (int Width, int NConv)[] blocks)
        => blocks.Select((b, i) => new ConvolutionBlock(i == 0 ? null : blocks[i - 1].Width, b.Width, b.NConv, DimensionReduction.MaxPooling)).ToList();

    public static TheoryData<string> Networks => ["Conv4_FC3", "AutoEncoder", "Conv5_FC3", "Conv5_FC3_mni", "Conv6_FC3", "VConv5_FC3", "Conv5_FC3 autoencoder", "RandomArchitecture", "resnet18"];

    private static nn.Module<Tensor, Tensor> Create(string name) => name switch
    {
        "Conv4_FC3" => new Conv4Fc3(0.5),
        "AutoEncoder" => new AutoEncoder(),
        "Conv5_FC3 autoencoder" => Architecture.Conv5Fc3.CreateAutoEncoder(),
        "RandomArchitecture" => new RandomArchitecture(Blocks((4, 2), (8, 1)), 3, [1, 20, 20, 20], 0.5, NetworkNormalization.BatchNorm),
        "resnet18" => new ResNet18(0.5),
        _ => Architecture.All.Single(a => a.Name == name).CreateCnn(0.5),
    };

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static void AssertSameState(nn.Module expected, nn.Module actual)
    {
        var e = expected.state_dict();
        var a = actual.state_dict();
        Assert.Equal(e.Keys, a.Keys);
        foreach (var (key, value) in e)
            Assert.True(Same(value, a[key]), $"{key} differs; all that differ: {string.Join(", ", e.Keys.Where(k => !Same(e[k], a[k])))}");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Reset_DrawsWhatConstructingAfterManualSeedDraws(string network)
    {
        manual_seed(1234);
        using var seeded = Create(network);
        using var reset = Create(network);
        Initialisation.Reset(reset, 1234);
        AssertSameState(seeded, reset);
        using var other = Create(network);
        Initialisation.Reset(other, 1235);
        Assert.False(Same(other.parameters().First(), reset.parameters().First()));
    }

    [Fact]
    public void Reset_IsTheSame_WhileAnotherThreadDrawsFromLibTorchsGenerator()
    {
        using var first = Create("Conv4_FC3");
        Initialisation.Reset(first, 77);
        using var second = Create("Conv4_FC3");
        using (LibTorchSpinner.Start())
            for (int i = 0; i < 20; i++)
                Initialisation.Reset(second, 77);
        AssertSameState(first, second);
    }

    [Fact]
    public void SeededDropout_DrawsPyTorchsMask_FromItsThreadsGenerator()
    {
        using var input = rand(4, 30, 30);
        using var seeded = new SeededDropout(0.3);
        using var reference = nn.Dropout(0.3);
        manual_seed(99);
        using var expected = reference.call(input);
        LayerDraws.Seed(99);
        using var actual = seeded.call(input);
        Assert.True(Same(expected, actual));
        // Kept elements are scaled by 1 / (1 − p), the others zeroed.
        using var kept = actual.ne(0);
        Assert.True(actual.masked_select(kept).allclose(input.masked_select(kept) / 0.7, rtol: 1e-6, atol: 0));
        long dropped = kept.logical_not().sum().item<long>();
        Assert.InRange(dropped, 3600 * 0.25, 3600 * 0.35);
    }

    [Fact]
    public void SeededDropout_GradientIsItsMask()
    {
        using var input = rand(new long[] { 2, 50 }, requires_grad: true);
        using var dropout = new SeededDropout(0.5);
        LayerDraws.Seed(5);
        using var output = dropout.call(input);
        output.sum().backward();
        Assert.True(Same(input.grad!, output.detach().ne(0).to(ScalarType.Float32) * 2));
    }

    [Fact]
    public void SeededDropout_InEvaluationOrAtZero_PassesTheInput()
    {
        using var input = rand(3, 10);
        using var dropout = new SeededDropout(0.5);
        dropout.eval();
        Assert.True(Same(dropout.call(input), input));
        using var none = new SeededDropout(0);
        Assert.True(Same(none.call(input), input));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SeededDropout(1));
    }

    [Fact]
    public void SeededDropout_IsTheSame_WhileAnotherThreadDrawsFromLibTorchsGenerator()
    {
        using var input = rand(8, 100);
        using var dropout = new SeededDropout(0.5);
        LayerDraws.Seed(3);
        using var expected = dropout.call(input);
        using (LibTorchSpinner.Start())
            for (int i = 0; i < 200; i++)
            {
                LayerDraws.Seed(3);
                using var again = dropout.call(input);
                Assert.True(Same(again, expected), $"draw {i} differs");
            }
    }
}

[CollectionDefinition(LayerDrawsTests.Name, DisableParallelization = true)]
public sealed class LayerDrawsCollection;
