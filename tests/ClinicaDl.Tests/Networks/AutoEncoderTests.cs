using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

public sealed class AutoEncoderTests
{
    [Fact]
    public void StateDict_HasSpecKeys()
    {
        using var scope = NewDisposeScope();
        using var ae = new AutoEncoder();
        var keys = ae.state_dict().Keys.ToList();
        var expectedEncoder = Conv4Fc3Tests.ExpectedKeys.Where(k => k.Key.StartsWith("features.", StringComparison.Ordinal))
            .Select(k => "encoder." + k.Key["features.".Length..]);
        Assert.Equal(expectedEncoder.Order(), keys.Where(k => k.StartsWith("encoder.", StringComparison.Ordinal)).Order());
        var decoderLayers = keys.Where(k => k.StartsWith("decoder.", StringComparison.Ordinal)).Select(k => k.Split('.')[1]).Distinct().Select(int.Parse).Order();
        Assert.Equal([1, 2, 5, 6, 9, 10, 13, 14], decoderLayers);
        Assert.Equal(new long[] { 50, 50, 3, 3, 3 }, ae.state_dict()["decoder.1.weight"].shape);
        Assert.Equal(new long[] { 15, 1, 3, 3, 3 }, ae.state_dict()["decoder.13.weight"].shape);
        Assert.Equal(new long[] { 1 }, ae.state_dict()["decoder.14.running_mean"].shape);
    }

    [Fact]
    public void Parameters_Count224253()
    {
        using var ae = new AutoEncoder();
        Assert.Equal(224_253, ae.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));
    }

    [Theory]
    [InlineData(50, 50, 50)]
    [InlineData(31, 40, 33)]
    public void Forward_ReconstructsTheInputShape_NonNegative(int x, int y, int z)
    {
        using var scope = NewDisposeScope();
        using var ae = new AutoEncoder();
        var output = ae.call(rand(new long[] { 2, 1, x, y, z }));
        Assert.Equal(new long[] { 2, 1, x, y, z }, output.shape);
        Assert.True(output.min().item<float>() >= 0);
    }

    [Fact]
    public void CropMaxUnpool_PutsValuesBackAtTheirArgmax()
    {
        using var scope = NewDisposeScope();
        var input = rand(new long[] { 1, 2, 9, 6, 5 });
        var (pooled, indices, pad) = new PadMaxPool3d().PoolWithIndices(input, withIndices: true);
        var restored = new CropMaxUnpool3d().Unpool(pooled, indices!, pad);
        Assert.Equal(input.shape, restored.shape);
        // Every non-zero restored value is the input's value at that place, and their count is the pooled count.
        var mask = restored.ne(0);
        Assert.True(restored.masked_select(mask).eq(input.masked_select(mask)).all().item<bool>());
        Assert.Equal(pooled.numel(), mask.sum().item<long>());
    }
}
