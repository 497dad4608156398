namespace ClinicaDl.Tests.Cli;

/// <summary>Every numeric or choice option of train roi rejects bad values at parse time: exit code 2, a message naming the option.</summary>
public sealed class TrainOptionsTests
{
    private static readonly string[] Base = ["train", "roi", "cnn", "caps", "t1-linear", "labels", "out", "Conv4_FC3", "-cpu"];

    [Theory]
    [InlineData("--batch_size", "0", "--batch_size")]
    [InlineData("--batch_size", "-3", "--batch_size")]
    [InlineData("--batch_size", "two", "--batch_size")]
    [InlineData("--batch-size", "0", "--batch_size")]
    [InlineData("--epochs", "0", "--epochs")]
    [InlineData("--epochs", "1.5", "--epochs")]
    [InlineData("-np", "0", "--nproc")]
    [InlineData("--nproc", "x", "--nproc")]
    [InlineData("-esteps", "-1", "--evaluation_steps")]
    [InlineData("--evaluation_steps", "many", "--evaluation_steps")]
    [InlineData("-lr", "0", "--learning_rate")]
    [InlineData("--learning_rate", "-0.1", "--learning_rate")]
    [InlineData("--learning_rate", "fast", "--learning_rate")]
    [InlineData("-wd", "-1e-4", "--weight_decay")]
    [InlineData("--weight_decay", "nan", "--weight_decay")]
    [InlineData("--dropout", "1", "--dropout")]
    [InlineData("--dropout", "-0.1", "--dropout")]
    [InlineData("--patience", "-1", "--patience")]
    [InlineData("--tolerance", "-0.5", "--tolerance")]
    [InlineData("-asteps", "0", "--accumulation_steps")]
    [InlineData("--accumulation_steps", "-2", "--accumulation_steps")]
    [InlineData("--n_splits", "1", "--n_splits")]
    [InlineData("--n_splits", "0", "--n_splits")]
    [InlineData("--split", "-1", "--split")]
    [InlineData("--split", "a", "--split")]
    [InlineData("--selection_threshold", "1.5", "--selection_threshold")]
    [InlineData("--selection_threshold", "-0.1", "--selection_threshold")]
    [InlineData("--threads", "0", "--threads")]
    [InlineData("--eval_batch_size", "0", "--eval_batch_size")]
    [InlineData("--cache_memory", "lots", "--cache_memory")]
    [InlineData("--cache_memory", "-1G", "--cache_memory")]
    [InlineData("--seed", "abc", "--seed")]
    [InlineData("--sampler", "uniform", "--sampler")]
    [InlineData("--diagnoses", "XYZ", "--diagnoses")]
    [InlineData("--data_augmentation", "Rotate", "--data_augmentation")]
    [InlineData("--transfer_learning_selection", "best_auc", "--transfer_learning_selection")]
    public void Parse_BadValue_ExitsTwoNamingTheOption(string option, string value, string name)
    {
        var result = Support.CliRunner.Run([.. Base, option, value]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(name, result.Error);
        Assert.Contains(value, result.Error);
        Assert.Contains("--help", result.Error);
    }

    [Fact]
    public void Parse_UnknownPreprocessing_ExitsTwo()
    {
        var result = Support.CliRunner.Run("train", "roi", "cnn", "caps", "t1-volume", "labels", "out", "Conv4_FC3", "-cpu");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("t1-volume", result.Error);
    }

    [Fact]
    public void Parse_UnknownModel_ExitsTwo()
    {
        var result = Support.CliRunner.Run("train", "roi", "cnn", "caps", "t1-linear", "labels", "out", "Conv5_FC3", "-cpu");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Conv5_FC3", result.Error);
    }

    [Fact]
    public void Help_ListsVerbs_AndShowsDefaultsAndChoices()
    {
        var root = Support.CliRunner.Run("--help");
        Assert.Equal(0, root.ExitCode);
        foreach (var verb in new[] { "generate", "tsvtool", "train" })
            Assert.Contains(verb, root.Output);
        var train = Support.CliRunner.Run("train", "roi", "cnn", "--help");
        Assert.Equal(0, train.ExitCode);
        Assert.Contains("--batch_size", train.Output);
        Assert.Contains("[default: 2]", train.Output);
        Assert.Contains("random|weighted", train.Output);
    }

    [Theory]
    [InlineData("image")]
    [InlineData("patch")]
    [InlineData("roi")]
    [InlineData("slice")]
    public void Help_OfEveryMode_DescribesItsCacheAndNormalisation_NotROIsOnly(string mode)
    {
        var help = Support.CliRunner.Run("train", mode, "cnn", "--help");
        Assert.Equal(0, help.ExitCode);
        string text = System.Text.RegularExpressions.Regex.Replace(help.Output, @"\s+", " "); // descriptions wrap
        Assert.DoesNotContain("patch cache", text);
        Assert.DoesNotContain("ROI patches", text);
        Assert.Contains("cached elements", text);
        if (mode == "slice")
            Assert.Contains("Refused in slice mode", text);
        else
            Assert.Contains($"Disable per-{mode} min-max normalisation", text);
    }

    [Fact]
    public void Version_PrintsTheVersion()
    {
        var result = Support.CliRunner.Run("--version");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("clinicadl", result.Output);
        Assert.Equal(0, Support.CliRunner.Run("-V").ExitCode);
    }

    [Fact]
    public void NoVerb_IsAUsageError()
        => Assert.Equal(2, Support.CliRunner.Run().ExitCode);
}
