using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

public sealed class PadMaxPool3dTests
{
    [Theory]
    [InlineData(48, 24)]
    [InlineData(9, 5)]
    [InlineData(3, 2)]
    [InlineData(11, 6)]
    public void Forward_OutputSideIsCeilHalf(int side, int expected)
    {
        using var scope = NewDisposeScope();
        var pool = new PadMaxPool3d();
        var y = pool.call(ones(new long[] { 1, 2, side, side + 1, side }));
        Assert.Equal(new long[] { 1, 2, expected, (side + 2) / 2, expected }, y.shape);
    }

    [Fact]
    public void Forward_PadsOddAxesAtTheLowEnd()
    {
        using var scope = NewDisposeScope();
        // 1-D along x: values 1,2,3 → padded 0,1,2,3 → pooled max(0,1)=1, max(2,3)=3.
        var x = tensor(new float[] { 1, 2, 3 }).reshape(1, 1, 3, 1, 1).expand(1, 1, 3, 2, 2).contiguous();
        var y = new PadMaxPool3d().call(x);
        Assert.Equal(new float[] { 1, 3 }, y[0, 0, TensorIndex.Colon, 0, 0].data<float>().ToArray());
    }

    [Fact]
    public void PoolWithIndices_ReturnsPadding()
    {
        using var scope = NewDisposeScope();
        var (output, indices, pad) = new PadMaxPool3d().PoolWithIndices(rand(new long[] { 1, 1, 9, 4, 3 }), withIndices: true);
        Assert.Equal(new long[] { 1, 0, 1 }, pad);
        Assert.Equal(output.shape, indices!.shape);
    }

    [Theory]
    [InlineData(9, 8, 7)]
    [InlineData(6, 5, 4)]
    [InlineData(10, 12, 14)]
    public void NonNegativeInput_SameValuesAndGradientsAsThePaddedCopy(int x, int y, int z)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        // A ReLU output: about half the values are exactly 0, so windows with ties at 0 next to the padding occur.
        var source = randn(new long[] { 2, 3, x, y, z });
        var upstream = randn(new long[] { 2, 3, (x + 1) / 2, (y + 1) / 2, (z + 1) / 2 });
        (Tensor Output, Tensor Gradient) Run(PadMaxPool3d pool)
        {
            var input = source.clone().requires_grad_(true);
            var output = pool.call(nn.functional.relu(input));
            output.backward([upstream]);
            return (output.detach(), input.grad!.clone());
        }
        var (expected, expectedGrad) = Run(new PadMaxPool3d());
        var (actual, actualGrad) = Run(new PadMaxPool3d(nonNegativeInput: true));
        Assert.True(new PadMaxPool3d(nonNegativeInput: true).NonNegativeInput);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), "pooled values differ");
        Assert.True(expectedGrad.eq(actualGrad).all().item<bool>(), "input gradients differ");
    }

    [Fact]
    public void NonNegativeInput_IsWhatTheFeaturesOfEveryImageNetworkUse()
    {
        var pools = ConvFeatures.Conv5.Build().children().OfType<PadMaxPool3d>().ToList();
        Assert.Equal(5, pools.Count);
        Assert.All(pools, p => Assert.True(p.NonNegativeInput));
    }
}
