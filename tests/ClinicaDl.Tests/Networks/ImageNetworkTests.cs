using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

/// <summary>The image networks and their autoencoders against spec modes §3.2–3.4 (keys, shapes, counts, accepted sizes).</summary>
public sealed class ImageNetworkTests
{
    /// <summary>The keys of a features block list <c>prefix.{4b,4b+1}.*</c> for (cin, cout) pairs, as spec §3.2's table.</summary>
    internal static IEnumerable<(string Key, long[] Shape)> BlockKeys(string prefix, params (int In, int Out)[] blocks)
    {
        for (int b = 0; b < blocks.Length; b++)
        {
            var (cin, cout) = blocks[b];
            yield return ($"{prefix}.{4 * b}.weight", [cout, cin, 3, 3, 3]);
            yield return ($"{prefix}.{4 * b}.bias", [cout]);
            foreach (string k in new[] { "weight", "bias", "running_mean", "running_var" })
                yield return ($"{prefix}.{4 * b + 1}.{k}", [cout]);
            yield return ($"{prefix}.{4 * b + 1}.num_batches_tracked", []);
        }
    }

    private static readonly (int, int)[] Five = [(1, 8), (8, 16), (16, 32), (32, 64), (64, 128)];
    private static readonly (int, int)[] Six = [.. Five, (128, 256)];

    private static (string, long[])[] Linear(string prefix, int index, int input, int output)
        => [($"{prefix}.{index}.weight", [output, input]), ($"{prefix}.{index}.bias", [output])];

    public static readonly Dictionary<string, (string Key, long[] Shape)[]> ExpectedKeys = new()
    {
        ["Conv5_FC3"] = [.. BlockKeys("features", Five), .. Linear("classifier", 2, 32256, 1300), .. Linear("classifier", 4, 1300, 50), .. Linear("classifier", 6, 50, 2)],
        ["Conv5_FC3_mni"] = [.. BlockKeys("features", Five), .. Linear("classifier", 2, 10240, 1300), .. Linear("classifier", 4, 1300, 50), .. Linear("classifier", 6, 50, 2)],
        ["Conv6_FC3"] = [.. BlockKeys("features", Six), .. Linear("classifier", 2, 9216, 1000), .. Linear("classifier", 4, 1000, 50), .. Linear("classifier", 6, 50, 2)],
        ["VConv5_FC3"] = [.. BlockKeys("features", Five), .. Linear("fc_mu", 1, 32256, 1300), .. Linear("fc_var", 1, 32256, 1300),
            .. Linear("classifier", 0, 1300, 50), .. Linear("classifier", 2, 50, 2)],
    };

    [Theory]
    [InlineData("Conv5_FC3", 42_293_972)]
    [InlineData("Conv5_FC3_mni", 13_673_172)]
    [InlineData("Conv6_FC3", 10_447_376)]
    [InlineData("VConv5_FC3", 84_228_072)]
    public void StateDict_HasExactlyClinicaDlKeysShapesAndParameterCount(string name, long parameters)
    {
        using var scope = NewDisposeScope();
        using var model = Architecture.Find(name)!.CreateCnn(0.5);
        var expected = ExpectedKeys[name];
        // Written in PyTorch's order, layer by layer, as torch's state_dict() lists them.
        Assert.Equal(expected.Select(k => k.Key), ClinicaDl.Training.ModelState.StateDict(model).Select(kv => kv.Key));
        var sd = model.state_dict();
        foreach (var (key, shape) in expected)
            Assert.Equal(shape, sd[key].shape);
        Assert.Equal(ScalarType.Int64, sd["features.1.num_batches_tracked"].dtype);
        Assert.Equal(parameters, model.parameters().Where(p => p.requires_grad).Sum(p => p.numel()));
    }

    [Theory]
    [InlineData("Conv5_FC3", 10, 294_720, 294_339)]
    [InlineData("Conv5_FC3_mni", 10, 294_720, 294_339)]
    [InlineData("VConv5_FC3", 10, 294_720, 294_339)]
    [InlineData("Conv6_FC3", 12, 1_180_224, 1_179_459)]
    [InlineData("Conv4_FC3", 8, 112_200, 112_053)]
    public void AutoEncoder_KeysAreTheFeaturesRenamed_AndTheMirroredDecoder(string name, int weighted, long encoderParameters, long decoderParameters)
    {
        using var scope = NewDisposeScope();
        var architecture = Architecture.Find(name)!;
        using var ae = architecture.CreateAutoEncoder();
        using var cnn = architecture.CreateCnn(0);
        var sd = ae.state_dict();
        var features = cnn.state_dict().Where(kv => kv.Key.StartsWith("features.", StringComparison.Ordinal)).ToList();
        Assert.Equal(features.Select(kv => "encoder." + kv.Key["features.".Length..]).Order(), sd.Keys.Where(k => k.StartsWith("encoder.", StringComparison.Ordinal)).Order());
        foreach (var (key, value) in features)
            Assert.Equal(value.shape, sd["encoder." + key["features.".Length..]].shape);
        var decoderLayers = sd.Keys.Where(k => k.StartsWith("decoder.", StringComparison.Ordinal)).Select(k => int.Parse(k.Split('.')[1])).Distinct().Order().ToList();
        Assert.Equal(Enumerable.Range(0, weighted / 2).SelectMany(b => new[] { 4 * b + 1, 4 * b + 2 }), decoderLayers);
        var channels = architecture.Features.Channels;
        // decoder.1 turns the last block's channels into the previous block's; the last transposed convolution gives 1 channel.
        Assert.Equal(new long[] { channels[^1], channels[^2], 3, 3, 3 }, sd["decoder.1.weight"].shape);
        Assert.Equal(new long[] { channels[0], 1, 3, 3, 3 }, sd[$"decoder.{4 * channels.Count - 3}.weight"].shape);
        Assert.Equal(encoderParameters, ae.Encoder.parameters().Sum(p => p.numel()));
        Assert.Equal(decoderParameters, ae.parameters().Sum(p => p.numel()) - encoderParameters);
    }

    [Fact]
    public void Conv5AutoEncoder_DecoderShapes_AreSpecTable()
    {
        using var ae = Architecture.Conv5Fc3.CreateAutoEncoder();
        var sd = ae.state_dict();
        Assert.Equal(new long[] { 128, 64, 3, 3, 3 }, sd["decoder.1.weight"].shape);
        Assert.Equal(new long[] { 64, 32, 3, 3, 3 }, sd["decoder.5.weight"].shape);
        Assert.Equal(new long[] { 32, 16, 3, 3, 3 }, sd["decoder.9.weight"].shape);
        Assert.Equal(new long[] { 16, 8, 3, 3, 3 }, sd["decoder.13.weight"].shape);
        Assert.Equal(new long[] { 8, 1, 3, 3, 3 }, sd["decoder.17.weight"].shape);
        Assert.Equal(new long[] { 1 }, sd["decoder.18.running_var"].shape);
    }

    [Theory]
    [InlineData("Conv5_FC3", 21, 18, 19)]
    [InlineData("Conv6_FC3", 9, 4, 1)]
    [InlineData("Conv4_FC3", 31, 32, 33)]
    public void AutoEncoder_Forward_KeepsTheInputShape(string name, int x, int y, int z)
    {
        using var scope = NewDisposeScope();
        using var ae = Architecture.Find(name)!.CreateAutoEncoder();
        var output = ae.call(rand(new long[] { 2, 1, x, y, z }));
        Assert.Equal(new long[] { 2, 1, x, y, z }, output.shape);
        Assert.True(output.min().item<float>() >= 0);
    }

    [Theory]
    [InlineData("Conv5_FC3", "161–192 × 193–224 × 161–192")]
    [InlineData("VConv5_FC3", "161–192 × 193–224 × 161–192")]
    [InlineData("Conv6_FC3", "129–192 × 193–256 × 129–192")]
    [InlineData("Conv5_FC3_mni", "97–128 × 129–160 × 97–128")]
    [InlineData("Conv4_FC3", "47–62 × 47–62 × 47–62")]
    public void AcceptedSides_AreSpecRanges(string name, string sides)
        => Assert.Equal(sides, Architecture.Find(name)!.AcceptedSides);

    [Theory]
    [InlineData("Conv5_FC3", new[] { 169, 208, 179 }, true)]
    [InlineData("Conv5_FC3", new[] { 161, 193, 161 }, true)]
    [InlineData("Conv5_FC3", new[] { 192, 224, 192 }, true)]
    [InlineData("Conv5_FC3", new[] { 160, 208, 179 }, false)]
    [InlineData("Conv5_FC3", new[] { 169, 225, 179 }, false)]
    [InlineData("VConv5_FC3", new[] { 169, 208, 179 }, true)]
    [InlineData("Conv6_FC3", new[] { 169, 208, 179 }, true)]
    [InlineData("Conv6_FC3", new[] { 129, 193, 129 }, true)]
    [InlineData("Conv6_FC3", new[] { 128, 193, 129 }, false)]
    [InlineData("Conv5_FC3_mni", new[] { 121, 145, 121 }, true)]
    [InlineData("Conv5_FC3_mni", new[] { 169, 208, 179 }, false)]
    [InlineData("Conv5_FC3_mni", new[] { 193, 229, 193 }, false)]
    [InlineData("Conv4_FC3", new[] { 169, 208, 179 }, false)]
    [InlineData("Conv4_FC3", new[] { 50, 50, 50 }, true)]
    public void CnnFitProblem_FollowsTheLayerArithmetic(string name, int[] shape, bool fits)
        => Assert.Equal(fits, Architecture.Find(name)!.CnnFitProblem(shape) is null);

    [Fact]
    public void CnnFitProblem_NamesTheModelTheInputAndWhatItTakes()
    {
        string message = Architecture.Conv5Fc3Mni.CnnFitProblem([169, 208, 179])!;
        Assert.Equal("Conv5_FC3_mni does not fit 169×208×179 images: its classifier takes a 128×4×5×4 feature map "
            + "(inputs of 97–128 × 129–160 × 97–128 voxels), and these give 128×6×7×6.", message);
        Assert.Contains("too small", Architecture.Conv4Fc3.CnnFitProblem([10, 10, 10]));
    }

    [Fact]
    public void AutoEncoderFitProblem_PaddedNetworksTakeAnySize_Conv4NeedsSide31()
    {
        Assert.Null(Architecture.Conv5Fc3Mni.AutoEncoderFitProblem([169, 208, 179]));
        Assert.Null(Architecture.Conv6Fc3.AutoEncoderFitProblem([1, 2, 3]));
        Assert.Null(Architecture.Conv4Fc3.AutoEncoderFitProblem([31, 31, 31]));
        Assert.Contains("at least 31", Architecture.Conv4Fc3.AutoEncoderFitProblem([30, 40, 40]));
    }

    [Fact]
    public void VConv5Fc3_EvaluationUsesTheMean_TrainingSamples()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new VConv5Fc3();
        // The features are the only expensive part: check the head on a feature map directly.
        var h = randn(new long[] { 2, 128, 6, 7, 6 });
        model.eval();
        var fcMu = (TorchSharp.Modules.Sequential)model.named_children().Single(c => c.name == "fc_mu").module;
        var mu = fcMu.call(h);
        Assert.Equal(new long[] { 2, 1300 }, mu.shape);
        var output = new VariationalOutput(mu + 0.5, mu, ones_like(mu), zeros(2, 2));
        // log q − log p at z = mu + 0.5 with std 1: −0.125 + (mu + 0.5)²/2, averaged over 1300 and summed over 2.
        double expected = (-(0.125) + (mu + 0.5).pow(2) / 2).mean([1]).sum().item<float>();
        Assert.Equal(expected, VConv5Fc3.KlDivergence(output).item<float>(), 4);
    }
}
