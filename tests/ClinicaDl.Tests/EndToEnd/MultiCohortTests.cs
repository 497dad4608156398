using ClinicaDl.Formats.Tsv;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

[Collection(SyntheticCapsCollection.Name)]
public sealed class MultiCohortTests(SyntheticCapsFixture data)
{
    [Fact]
    public void Train_TwoCohorts_AddsTheCohortColumn_AndClassifyWorksAcrossCohorts()
    {
        string root = data.NewOutput("multicohort");
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "caps.tsv"), $"cohort\tpath\nADNI\t{data.Caps}\nAIBL\t{data.Caps}\n");
        File.WriteAllText(Path.Combine(root, "labels.tsv"), $"cohort\tpath\tdiagnoses\nADNI\t{data.Labels}\tAD,CN\nAIBL\t{data.Labels}\tCN\n");
        string output = Path.Combine(root, "results");
        var r = CliRunner.Run("train", "roi", "cnn", Path.Combine(root, "caps.tsv"), "t1-linear", Path.Combine(root, "labels.tsv"), output, "Conv4_FC3",
            "-cpu", "--multi_cohort", "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.All);
        var roi = TsvTable.Read(Path.Combine(output, "fold-0", "cnn_classification", "best_loss", "validation_roi_level_prediction.tsv"));
        Assert.Equal("cohort", roi.Columns[^1]);
        Assert.Equal(["ADNI", "AIBL"], roi.Rows.Select(x => x[^1]).Distinct().Order());
        // AIBL provides only CN.
        Assert.All(roi.Rows.Where(x => x[^1] == "AIBL"), x => Assert.Equal("0", x[3]));
        var image = TsvTable.Read(Path.Combine(output, "fold-0", "cnn_classification", "best_loss", "validation_image_level_prediction.tsv"));
        Assert.Equal("cohort", image.Columns[^1]);

        File.WriteAllText(Path.Combine(root, "classify.tsv"), $"cohort\tpath\nADNI\t{Path.Combine(data.Labels, "validation_splits-2", "split-0")}\n");
        var c = CliRunner.Run("classify", Path.Combine(root, "caps.tsv"), Path.Combine(root, "classify.tsv"), output, "again", "-cpu", "--multi_cohort", "--threads", "1");
        Assert.True(c.ExitCode == 0, c.All);
        Assert.Equal("cohort", TsvTable.Read(Path.Combine(output, "fold-0", "cnn_classification", "best_loss", "again_roi_level_prediction.tsv")).Columns[^1]);
    }

    [Fact]
    public void Train_MultiCohortWithFolderPaths_IsAnOptionError()
    {
        var r = CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, data.NewOutput("mc-bad"), "Conv4_FC3", "-cpu", "--multi_cohort");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--multi_cohort", r.Error);
    }
}
