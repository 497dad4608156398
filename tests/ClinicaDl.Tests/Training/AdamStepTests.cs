using ClinicaDl.Networks;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Training;

public sealed class AdamStepTests
{
    private static nn.Module<Tensor, Tensor> Network()
    {
        var net = nn.Sequential(("a", nn.Linear(6, 5)), ("relu", nn.ReLU()), ("b", nn.Linear(5, 2)));
        Initialisation.Reset(net, 7); // the same weights every call, whatever other test classes draw meanwhile
        net.named_parameters().First(p => p.name == "a.bias").parameter.requires_grad = false; // frozen, as resnet18's early layers
        return net;
    }

    /// <summary><see cref="AdamState.Step"/> gives TorchSharp's Adam.step bit for bit (weights and moments), frozen parameters untouched.</summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-4)]
    public void Step_EqualsTorchSharpsAdam_BitForBit(double weightDecay)
    {
        using var scope = NewDisposeScope();
        using var reference = Network();
        using var ours = Network();
        using var adamReference = AdamState.Create(reference, 1e-3, weightDecay);
        using var adamOurs = AdamState.Create(ours, 1e-3, weightDecay);
        manual_seed(3);
        for (int step = 0; step < 4; step++)
        {
            var x = randn(8, 6);
            var y = tensor(new long[] { 0, 1, 1, 0, 1, 0, 0, 1 });
            foreach (var (net, adam) in new[] { (reference, adamReference), (ours, adamOurs) })
            {
                adam.zero_grad();
                nn.functional.cross_entropy(net.call(x), y).backward();
            }
            adamReference.step();
            AdamState.Step(adamOurs, ours, 1e-3, weightDecay);
        }
        var expected = reference.state_dict();
        foreach (var (key, value) in ours.state_dict())
            Assert.True(value.eq(expected[key]).all().item<bool>(), key);
        var frozen = Network().state_dict()["a.bias"];
        Assert.True(ours.state_dict()["a.bias"].eq(frozen).all().item<bool>());
        var a = adamReference.state_dict().State.Cast<TorchSharp.Modules.Adam.State>().ToList();
        var b = adamOurs.state_dict().State.Cast<TorchSharp.Modules.Adam.State>().ToList();
        Assert.Equal(a.Select(s => s.step), b.Select(s => s.step));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].exp_avg.eq(b[i].exp_avg).all().item<bool>(), $"exp_avg {i}");
            Assert.True(a[i].exp_avg_sq.eq(b[i].exp_avg_sq).all().item<bool>(), $"exp_avg_sq {i}");
        }
    }
}
