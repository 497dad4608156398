using ClinicaDl.Common;
using ClinicaDl.Errors;
using ClinicaDl.Networks;
using ClinicaDl.Runs.RandomSearch;

namespace ClinicaDl.Tests.Runs.RandomSearch;

public sealed class JobSamplerTests
{
    /// <summary>The random_search.json shipped with ClinicaDL 0.2.1 (trailing comma included).</summary>
    public const string Shipped = """
{
    "mode": "slice",
    "network_type": "cnn",
    "caps_dir": "/path/to/caps",
    "preprocessing": "t1-linear",
    "tsv_path": "/path/to/tsv",
    "diagnoses": ["AD", "CN"],
    "baseline": false,
    "unnormalize": false,
    "data_augmentation": false,
    "sampler": "random",
    "epochs": 100,
    "learning_rate": [2, 5],
    "wd_bool": [true, false],
    "weight_decay": [2, 4],
    "dropout": [0, 0.9],
    "patience": 20,
    "tolerance": 0,
    "accumulation_steps": 1,
    "evaluation_steps": 0,
    "n_convblocks": [2, 6],
    "first_conv_width": [2, 5],
    "channels_limit": 256,
    "d_reduction": "MaxPooling",
    "n_conv": [1, 2],
    "n_fcblocks": [1, 3],
}
""";

    private static SampledJob Sample(string json, long seed = 0, List<string>? warnings = null)
        => JobSampler.Sample(SearchSpace.Parse(json, "random_search.json"), new PythonRandom(seed), JobSampler.KnownModes, w => warnings?.Add(w));

    [Fact]
    public void Sample_ShippedJsonSeedZero_ReproducesAppendixC()
    {
        var j = Sample(Shipped);
        Assert.Equal(("slice", "cnn", NetworkNormalization.BatchNorm, 2, "t1-linear"), (j.Mode, j.NetworkType, j.Normalization, j.FcBlocks, j.Preprocessing));
        Assert.False(j.Baseline);
        Assert.False(j.Unnormalize);
        Assert.Equal(5.322758855745685e-05, j.LearningRate, 15);
        Assert.Equal(0.37851442274776054, j.Dropout, 15);
        Assert.Equal(1, j.AccumulationSteps);
        Assert.False(j.WdBool);
        Assert.Equal(0, j.WeightDecay);
        Assert.Equal(("random", 20, 0.0, 0), (j.Sampler, j.DiscardedSlices, j.SelectionThreshold, j.SliceDirection));
        Assert.Equal([5, 10, 20, 40, 80], j.Convolutions.Select(c => c.OutChannels));
        Assert.Equal([2, 2, 2, 1, 1], j.Convolutions.Select(c => c.NConv));
        Assert.Equal([null, 5, 10, 20, 40], j.Convolutions.Select(c => c.InChannels));
        Assert.All(j.Convolutions, c => Assert.Equal(DimensionReduction.MaxPooling, c.Reduction));
    }

    [Fact]
    public void Sample_MissingMandatoryKeys_NamesEveryOne()
    {
        string json = Shipped.Replace("\"epochs\": 100,", "", StringComparison.Ordinal).Replace("\"first_conv_width\": [2, 5],", "", StringComparison.Ordinal);
        var e = Assert.Throws<InvalidOptionException>(() => Sample(json));
        Assert.Contains("random_search.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("epochs, first_conv_width", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The shipped file with <paramref name="key"/> set to <paramref name="json"/>.</summary>
    public static string With(string key, string json)
    {
        string without = System.Text.RegularExpressions.Regex.Replace(Shipped, $"\\s*\"{key}\": [^\\n]*,\\n", "\n");
        return without.Replace("{", $"{{\n    \"{key}\": {json},", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("loss", "\"L1\"")]
    [InlineData("optimizer", "[\"Adam\", \"SGD\"]")]
    [InlineData("network_normalization", "\"None\"")]
    [InlineData("network_type", "\"autoencoder\"")]
    [InlineData("dropout", "[0, 1, 2]")]
    [InlineData("n_conv", "[]")]
    [InlineData("d_reduction", "\"AvgPooling\"")]
    [InlineData("diagnoses", "[\"AD\", \"ADD\"]")]
    [InlineData("n_fcblocks", "[3, 1]")]
    [InlineData("epochs", "0")]
    [InlineData("learning_rate", "\"fast\"")]
    public void Sample_BadValue_NamesTheKey(string key, string json)
    {
        var e = Assert.Throws<InvalidOptionException>(() => Sample(With(key, json)));
        Assert.Contains($"key \"{key}\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sample_UnsupportedMode_NamesTheMode()
    {
        var e = Assert.Throws<InvalidOptionException>(() =>
            JobSampler.Sample(SearchSpace.Parse(Shipped, "random_search.json"), new PythonRandom(0), ["roi"]));
        Assert.Contains("key \"mode\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("\"slice\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sample_ScalarLearningRate_IsAnExponentAndWarnsBelowOne()
    {
        var warnings = new List<string>();
        var j = Sample(Shipped.Replace("\"learning_rate\": [2, 5]", "\"learning_rate\": 1e-4", StringComparison.Ordinal), warnings: warnings);
        Assert.Equal(Math.Pow(10, -1e-4), j.LearningRate, 15);
        Assert.Contains(warnings, w => w.Contains("learning_rate", StringComparison.Ordinal) && w.Contains("exponent", StringComparison.Ordinal));
        var four = Sample(Shipped.Replace("\"learning_rate\": [2, 5]", "\"learning_rate\": 4", StringComparison.Ordinal));
        Assert.Equal(1e-4, four.LearningRate, 15);
    }

    [Fact]
    public void Parse_DefaultDropoutDependsOnMode()
    {
        string noDropout = Shipped.Replace("\"dropout\": [0, 0.9],", "", StringComparison.Ordinal);
        Assert.Equal(0.8, Sample(noDropout).Dropout);
        Assert.Equal(0.5, Sample(noDropout.Replace("\"slice\"", "\"image\"", StringComparison.Ordinal)).Dropout);
        Assert.Equal(0, Sample(noDropout.Replace("\"slice\"", "\"roi\"", StringComparison.Ordinal)).Dropout);
    }

    [Fact]
    public void Sample_ChannelsDoubleWhileBelowLimit()
    {
        var j = Sample(Shipped.Replace("\"n_convblocks\": [2, 6]", "\"n_convblocks\": 4", StringComparison.Ordinal)
            .Replace("\"first_conv_width\": [2, 5]", "\"first_conv_width\": 160", StringComparison.Ordinal));
        Assert.Equal([160, 320, 320, 320], j.Convolutions.Select(c => c.OutChannels));
    }

    [Theory]
    [InlineData(0, 3, 0)]
    [InlineData(5, 3, 6)]
    [InlineData(6, 3, 6)]
    [InlineData(5, 1, 5)]
    public void EvaluationSteps_RoundedUpToAccumulation(int requested, int accumulation, int expected)
        => Assert.Equal(expected, JobSampler.EvaluationSteps(requested, accumulation));

    [Fact]
    public void Sample_SameSeed_SameJob()
        => Assert.Equal(RandomSearchDescribe(Sample(Shipped, 7)), RandomSearchDescribe(Sample(Shipped, 7)));

    private static string RandomSearchDescribe(SampledJob j) => RandomSearchRun.Describe(j);
}
