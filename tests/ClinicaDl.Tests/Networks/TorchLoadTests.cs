using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

public sealed class TorchLoadTests
{
    [Fact]
    public void Conv3d_ForwardAndBackward_RunsOnThisMachine()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv3d(1, 2, 3);
        var x = randn(new long[] { 1, 1, 5, 5, 5 });
        var y = conv.call(x);
        Assert.Equal(new long[] { 1, 2, 3, 3, 3 }, y.shape);
        y.sum().backward();
        Assert.NotNull(conv.weight!.grad);
    }
}
