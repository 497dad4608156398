using System.Globalization;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

[Collection(SyntheticCapsCollection.Name)]
public sealed class TrainRoiMultiCnnTests(SyntheticCapsFixture data)
{
    [Fact]
    public void Train_WritesOneNetworkPerRoi_AndMergedTablesKeepRoiId()
    {
        string output = data.NewOutput("multicnn");
        var result = CliRunner.Run("train", "roi", "multicnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "2", "--batch_size", "4", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.All);

        var expected = new List<string> { "commandline.json", "environment.txt", "training_summary.png", "fold-0/split.tsv", "fold-0/training.png" };
        foreach (int k in new[] { 0, 1 })
        {
            expected.Add($"fold-0/tensorboard_logs/cnn-{k}/training.tsv");
            expected.Add($"fold-0/tensorboard_logs/cnn-{k}/training.png");
            foreach (var s in new[] { "best_balanced_accuracy", "best_loss" })
                expected.Add($"fold-0/models/cnn-{k}/{s}/model_best.pth.tar");
        }
        foreach (var s in new[] { "best_balanced_accuracy", "best_loss" })
            foreach (var subset in new[] { "train", "validation" })
                foreach (var level in new[] { "roi", "image" })
                    foreach (var kind in new[] { "prediction", "metrics" })
                        expected.Add($"fold-0/cnn_classification/{s}/{subset}_{level}_level_{kind}.tsv");
        var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).ToList();
        var events = files.Where(f => f.Contains("tfevents")).ToList();
        Assert.Equal(expected.Order(), files.Except(events).Order());
        Assert.Equal(4, events.Count);
        foreach (int k in new[] { 0, 1 })
            foreach (var subset in new[] { "train", "validation" })
                Assert.Single(events, e => e.StartsWith($"fold-0/tensorboard_logs/cnn-{k}/{subset}/events.out.tfevents.", StringComparison.Ordinal));

        string dir = Path.Combine(output, "fold-0", "cnn_classification", "best_loss");
        var metrics = TsvTable.Read(Path.Combine(dir, "validation_roi_level_metrics.tsv"));
        Assert.Equal(["0", "1"], metrics.Rows.Select(r => r[8]));
        var roi = TsvTable.Read(Path.Combine(dir, "validation_roi_level_prediction.tsv"));
        int sessions = roi.Rows.Count / 2;
        // Network-major: all rows of network 0, then network 1.
        Assert.Equal(Enumerable.Repeat("0", sessions).Concat(Enumerable.Repeat("1", sessions)), roi.Rows.Select(r => r[2]));
        ResultChecks.CheckProbabilities(roi);
        var image = TsvTable.Read(Path.Combine(dir, "validation_image_level_prediction.tsv"));
        var weights = roi.Rows.GroupBy(r => int.Parse(r[2], CultureInfo.InvariantCulture)).ToDictionary(g => g.Key,
            g => BinaryMetrics.From(g.Select(r => int.Parse(r[3], CultureInfo.InvariantCulture)).ToList(), g.Select(r => int.Parse(r[4], CultureInfo.InvariantCulture)).ToList()).BalancedAccuracy);
        if (weights.Values.All(w => w <= 0)) weights = weights.ToDictionary(kv => kv.Key, _ => 1.0);
        ResultChecks.CheckSoftVoting(roi, image, weights);
    }

    [Fact]
    public void Train_SingleRoi_IsAClearError()
    {
        string output = data.NewOutput("multicnn-one");
        var result = CliRunner.Run("train", "roi", "multicnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--roi_list", "leftHippocampusBox");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("at least two ROIs", result.Error);
        Assert.False(Directory.Exists(output));
    }
}
