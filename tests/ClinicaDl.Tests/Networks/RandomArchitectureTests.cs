using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

public sealed class RandomArchitectureTests
{
    private static List<ConvolutionBlock> Blocks(DimensionReduction d, params (int Width, int NConv)[] blocks)
        => blocks.Select((b, i) => new ConvolutionBlock(i == 0 ? null : blocks[i - 1].Width, b.Width, b.NConv, d)).ToList();

    [Theory]
    // Spec verbs §3.6 examples (run with 0.2.1).
    [InlineData(new[] { 1, 50, 50, 50 }, new[] { 4, 8 }, 3, new[] { 17576, 852, 41, 2 })]
    [InlineData(new[] { 1, 169, 208, 179 }, new[] { 2, 4, 8 }, 2, new[] { 105248, 459, 2 })]
    [InlineData(new[] { 1, 64, 64 }, new[] { 4, 8 }, 2, new[] { 2048, 64, 2 })]
    public void FullyConnectedSizes_MatchClinicaDl(int[] input, int[] widths, int fcBlocks, int[] expected)
    {
        var sizes = RandomArchitecture.FullyConnectedSizes(Blocks(DimensionReduction.MaxPooling, widths.Select(w => (w, 1)).ToArray()), fcBlocks, input);
        Assert.Equal(expected[..^1], sizes.Select(s => s.In));
        Assert.Equal(expected[1..], sizes.Select(s => s.Out));
    }

    [Fact]
    public void StateDict_BatchNormTwoConvsPerBlock_HasClinicaDlKeys()
    {
        using var scope = NewDisposeScope();
        using var model = new RandomArchitecture(Blocks(DimensionReduction.MaxPooling, (4, 2), (8, 1)), 2, [1, 20, 20, 20], 0.5, NetworkNormalization.BatchNorm);
        var sd = model.state_dict();
        Assert.Equal([1, 1, 3, 3, 3], sd["features.conv0.0.weight"].shape);
        Assert.Equal([1], sd["features.conv0.1.running_mean"].shape);
        Assert.Equal([4, 1, 3, 3, 3], sd["features.conv0.3.weight"].shape);
        Assert.Equal([4], sd["features.conv0.4.weight"].shape);
        Assert.Equal([8, 4, 3, 3, 3], sd["features.conv1.0.weight"].shape);
        Assert.True(sd.ContainsKey("features.conv1.1.num_batches_tracked"));
        // f = 8 × 5³ = 1000, ratio = √500, g = √2000 ≈ 44.7 → 45.
        Assert.Equal([45, 1000], sd["classifier.FC0.0.weight"].shape);
        Assert.Equal(2, sd["classifier.FC1.0.weight"].shape[0]);
        Assert.Equal(25, sd.Count); // conv0: 2 convs + 2 BN; conv1: 1 conv + 1 BN; 2 Linear
        model.eval();
        var output = model.call(rand(new long[] { 3, 1, 20, 20, 20 }));
        Assert.Equal([3, 2], output.shape);
    }

    [Fact]
    public void StateDict_InstanceNormOrNone_HasOnlyConvAndLinearKeys()
    {
        using var scope = NewDisposeScope();
        using var instance = new RandomArchitecture(Blocks(DimensionReduction.Stride, (3, 2)), 1, [1, 9, 9, 9], 0, NetworkNormalization.InstanceNorm);
        Assert.Equal(["classifier.FC0.0.bias", "classifier.FC0.0.weight", "features.conv0.0.bias", "features.conv0.0.weight", "features.conv0.3.bias", "features.conv0.3.weight"],
            instance.state_dict().Keys.Order(StringComparer.Ordinal));
        using var none = new RandomArchitecture(Blocks(DimensionReduction.Stride, (3, 2)), 1, [1, 9, 9, 9], 0, NetworkNormalization.None);
        Assert.Equal(["classifier.FC0.0.bias", "classifier.FC0.0.weight", "features.conv0.0.bias", "features.conv0.0.weight", "features.conv0.2.bias", "features.conv0.2.weight"],
            none.state_dict().Keys.Order(StringComparer.Ordinal));
        // Stride 2 on 9 gives 5: 3 × 5³ features.
        Assert.Equal([2, 375], none.state_dict()["classifier.FC0.0.weight"].shape);
        none.eval();
        Assert.Equal([4, 2], none.call(rand(new long[] { 4, 1, 9, 9, 9 })).shape);
    }

    [Fact]
    public void Forward_TwoDimensionalInput_UsesTwoDimensionalLayers()
    {
        using var scope = NewDisposeScope();
        using var model = new RandomArchitecture(Blocks(DimensionReduction.MaxPooling, (4, 1), (8, 1)), 2, [1, 64, 64], 0, NetworkNormalization.BatchNorm);
        Assert.Equal([4, 1, 3, 3], model.state_dict()["features.conv0.0.weight"].shape);
        model.eval();
        Assert.Equal([2, 2], model.call(rand(new long[] { 2, 1, 64, 64 })).shape);
    }

    [Fact]
    public void Constructor_BadRank_Throws()
        => Assert.Throws<ArgumentException>(() => new RandomArchitecture(Blocks(DimensionReduction.MaxPooling, (4, 1)), 1, [1, 10], 0, NetworkNormalization.None));
}
