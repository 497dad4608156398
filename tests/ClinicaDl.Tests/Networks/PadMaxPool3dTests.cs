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
}
