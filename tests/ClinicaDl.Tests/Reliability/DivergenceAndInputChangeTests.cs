using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Reliability;

[Collection(SyntheticCapsCollection.Name)]
public sealed class DivergenceAndInputChangeTests(SyntheticCapsFixture data)
{
    [Fact]
    public void Train_DivergingLoss_StopsWithEpochAndStep_ExitsOne_AndKeepsBestModels()
    {
        string output = data.NewOutput("diverge");
        var r = CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2",
            "--split", "0", "--epochs", "5", "--batch_size", "4", "--threads", "1", "--learning_rate", "1e30");
        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"training loss is (NaN|-?Infinity|∞|-∞) at epoch \d+, step \d+: training diverged", r.Error);
        OutputFiles.CheckAllParse(output);
    }

    [Fact]
    public void Resume_AfterTheLabelsChanged_IsRefusedNamingSplitTsv()
    {
        string labels = data.NewOutput("changed-labels");
        foreach (var file in Directory.GetFiles(data.Labels, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(labels, Path.GetRelativePath(data.Labels, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        string output = data.NewOutput("changed");
        using var cts = new CancellationTokenSource();
        cts.Cancel(); // interrupted at its first update: a checkpoint and a split.tsv exist
        var first = CliRunner.Run(cts.Token, "train", "roi", "cnn", data.Caps, "t1-linear", labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2",
            "--split", "0", "--epochs", "2", "--batch_size", "4", "--threads", "1");
        Assert.Equal(130, first.ExitCode);
        string ad = Path.Combine(labels, "train_splits-2", "split-0", "AD.tsv");
        File.WriteAllLines(ad, File.ReadAllLines(ad).Take(2)); // drop sessions
        var resumed = CliRunner.Run("train", "resume", output);
        Assert.Equal(2, resumed.ExitCode);
        Assert.Contains("split.tsv", resumed.Error);
        Assert.Contains("labels changed", resumed.Error);
    }
}
