using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

public sealed class Conv4Fc3Tests
{
    /// <summary>Every state-dict key of ClinicaDL 0.2.1's Conv4_FC3 with its shape (spec §5.2).</summary>
    public static readonly (string Key, long[] Shape)[] ExpectedKeys =
    [
        ("features.0.weight", [15, 1, 3, 3, 3]), ("features.0.bias", [15]),
        ("features.1.weight", [15]), ("features.1.bias", [15]), ("features.1.running_mean", [15]), ("features.1.running_var", [15]), ("features.1.num_batches_tracked", []),
        ("features.4.weight", [25, 15, 3, 3, 3]), ("features.4.bias", [25]),
        ("features.5.weight", [25]), ("features.5.bias", [25]), ("features.5.running_mean", [25]), ("features.5.running_var", [25]), ("features.5.num_batches_tracked", []),
        ("features.8.weight", [50, 25, 3, 3, 3]), ("features.8.bias", [50]),
        ("features.9.weight", [50]), ("features.9.bias", [50]), ("features.9.running_mean", [50]), ("features.9.running_var", [50]), ("features.9.num_batches_tracked", []),
        ("features.12.weight", [50, 50, 3, 3, 3]), ("features.12.bias", [50]),
        ("features.13.weight", [50]), ("features.13.bias", [50]), ("features.13.running_mean", [50]), ("features.13.running_var", [50]), ("features.13.num_batches_tracked", []),
        ("classifier.2.weight", [50, 400]), ("classifier.2.bias", [50]),
        ("classifier.5.weight", [40, 50]), ("classifier.5.bias", [40]),
        ("classifier.7.weight", [2, 40]), ("classifier.7.bias", [2]),
    ];

    [Fact]
    public void StateDict_HasExactlyClinicaDlKeysAndShapes()
    {
        using var scope = NewDisposeScope();
        using var model = new Conv4Fc3();
        var sd = model.state_dict();
        Assert.Equal(ExpectedKeys.Select(k => k.Key).Order(), sd.Keys.Order());
        // What we write is in PyTorch's order, layer by layer.
        Assert.Equal(ExpectedKeys.Select(k => k.Key), ClinicaDl.Training.ModelState.StateDict(model).Select(kv => kv.Key));
        foreach (var (key, shape) in ExpectedKeys)
            Assert.Equal(shape, sd[key].shape);
        Assert.Equal(ScalarType.Int64, sd["features.1.num_batches_tracked"].dtype);
    }

    [Fact]
    public void Parameters_Count134372()
    {
        using var model = new Conv4Fc3();
        Assert.Equal(134_372, model.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));
    }

    [Theory]
    [InlineData(50, 50, 50)]
    [InlineData(47, 62, 55)]
    public void Forward_AcceptedShapes_GiveTwoLogits(int x, int y, int z)
    {
        using var scope = NewDisposeScope();
        using var model = new Conv4Fc3();
        model.eval();
        var output = model.call(rand(new long[] { 3, 1, x, y, z }));
        Assert.Equal(new long[] { 3, 2 }, output.shape);
    }

    [Theory]
    [InlineData(new[] { 50, 50, 50 }, true)]
    [InlineData(new[] { 47, 47, 47 }, true)]
    [InlineData(new[] { 62, 62, 62 }, true)]
    [InlineData(new[] { 46, 50, 50 }, false)]
    [InlineData(new[] { 50, 63, 50 }, false)]
    [InlineData(new[] { 10, 10, 10 }, false)]
    [InlineData(new[] { 169, 208, 179 }, false)]
    public void Accepts_Sides47To62Only(int[] shape, bool expected)
        => Assert.Equal(expected, Conv4Fc3.Accepts(shape));

    [Fact]
    public void Initialisation_IsReproducibleWithTheSeed()
    {
        manual_seed(7);
        using var a = new Conv4Fc3();
        manual_seed(7);
        using var b = new Conv4Fc3();
        Assert.True(a.state_dict()["features.0.weight"].eq(b.state_dict()["features.0.weight"]).all().item<bool>());
        Assert.True(a.state_dict()["classifier.7.weight"].eq(b.state_dict()["classifier.7.weight"]).all().item<bool>());
    }

    [Fact]
    public void Initialisation_IsPyTorchDefault_UniformWithinFanIn()
    {
        manual_seed(1);
        using var model = new Conv4Fc3();
        var sd = model.state_dict();
        double bound = 1 / Math.Sqrt(27); // features.0: fan_in = 1 × 3³
        Assert.True(sd["features.0.weight"].abs().max().item<float>() <= bound + 1e-6);
        Assert.True(sd["features.0.bias"].abs().max().item<float>() <= bound + 1e-6);
        Assert.Equal(1f, sd["features.1.weight"].min().item<float>());
        Assert.Equal(0f, sd["features.1.bias"].abs().max().item<float>());
    }
}
