using System.Globalization;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

[Collection(SyntheticCapsCollection.Name)]
public sealed class TrainRoiCnnTests(SyntheticCapsFixture data)
{
    private string[] Command(string output, params string[] extra)
        => ["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2",
            "--epochs", "2", "--batch_size", "4", "--threads", "1", .. extra];

    private static readonly string[] Selections = ["best_balanced_accuracy", "best_loss"];
    private static readonly string[] Subsets = ["train", "validation"];

    [Fact]
    public void Train_TwoFolds_WritesEveryFileOfTheTree()
    {
        string output = data.NewOutput("cnn");
        var result = CliRunner.Run(Command(output));
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("Results: ", result.Output);

        var expected = new List<string> { "commandline.json", "environment.txt", "training_summary.png" };
        foreach (int fold in new[] { 0, 1 })
        {
            expected.Add($"fold-{fold}/training.tsv");
            expected.Add($"fold-{fold}/split.tsv");
            expected.Add($"fold-{fold}/training.png");
            foreach (var s in Selections)
            {
                expected.Add($"fold-{fold}/models/{s}/model_best.pth.tar");
                foreach (var subset in Subsets)
                    foreach (var level in new[] { "roi", "image" })
                        foreach (var kind in new[] { "prediction", "metrics" })
                            expected.Add($"fold-{fold}/cnn_classification/{s}/{subset}_{level}_level_{kind}.tsv");
            }
        }
        var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).ToList();
        var events = files.Where(f => f.Contains("tfevents")).ToList();
        Assert.Equal(expected.Order(), files.Except(events).Order());
        foreach (int fold in new[] { 0, 1 })
            foreach (var subset in Subsets)
                Assert.Single(events, e => e.StartsWith($"fold-{fold}/tensorboard_logs/{subset}/events.out.tfevents.", StringComparison.Ordinal));

        foreach (int fold in new[] { 0, 1 })
            CheckFold(output, fold);
        foreach (var e in events)
            CheckEvents(Path.Combine(output, e));
    }

    private void CheckFold(string output, int fold)
    {
        string foldDir = Path.Combine(output, $"fold-{fold}");
        var training = TsvTable.Read(Path.Combine(foldDir, "training.tsv"));
        Assert.Equal(["epoch", "iteration", "time", "balanced_accuracy_train", "loss_train", "balanced_accuracy_valid", "loss_valid"], training.Columns);
        Assert.Equal(["0", "1"], training.Rows.Select(r => r[0]));

        int trainSessions = TsvTable.Read(Path.Combine(data.Labels, "train_splits-2", $"split-{fold}", "AD.tsv")).Rows.Count
                          + TsvTable.Read(Path.Combine(data.Labels, "train_splits-2", $"split-{fold}", "CN.tsv")).Rows.Count;
        int validSessions = TsvTable.Read(Path.Combine(data.Labels, "validation_splits-2", $"split-{fold}", "AD_baseline.tsv")).Rows.Count
                          + TsvTable.Read(Path.Combine(data.Labels, "validation_splits-2", $"split-{fold}", "CN_baseline.tsv")).Rows.Count;
        foreach (var selection in Selections)
        {
            string dir = Path.Combine(foldDir, "cnn_classification", selection);
            var validRoi = TsvTable.Read(Path.Combine(dir, "validation_roi_level_prediction.tsv"));
            var weights = validRoi.Rows.GroupBy(r => int.Parse(r[2], CultureInfo.InvariantCulture)).ToDictionary(g => g.Key,
                g => BinaryMetrics.From(g.Select(r => int.Parse(r[3], CultureInfo.InvariantCulture)).ToList(), g.Select(r => int.Parse(r[4], CultureInfo.InvariantCulture)).ToList()).BalancedAccuracy);
            if (weights.Values.All(w => w <= 0)) weights = weights.ToDictionary(kv => kv.Key, _ => 1.0);
            foreach (var subset in Subsets)
            {
                int sessions = subset == "train" ? trainSessions : validSessions;
                var roi = TsvTable.Read(Path.Combine(dir, $"{subset}_roi_level_prediction.tsv"));
                Assert.Equal(ResultChecks.RoiPrediction, roi.Columns);
                Assert.Equal(2 * sessions, roi.Rows.Count);
                // Table order: image-major, roi_id ascending.
                Assert.Equal(Enumerable.Range(0, 2 * sessions).Select(i => (i % 2).ToString(CultureInfo.InvariantCulture)), roi.Rows.Select(r => r[2]));
                ResultChecks.CheckProbabilities(roi);
                var roiMetrics = TsvTable.Read(Path.Combine(dir, $"{subset}_roi_level_metrics.tsv"));
                Assert.Equal(ResultChecks.RoiMetrics, roiMetrics.Columns);
                Assert.Single(roiMetrics.Rows);
                Assert.Equal("", roiMetrics.Rows[0][8]);
                Assert.Equal("0", roiMetrics.Rows[0][7]);
                ResultChecks.CheckMetrics(roi, roiMetrics.Rows[0], roiMetrics.Columns);

                var image = TsvTable.Read(Path.Combine(dir, $"{subset}_image_level_prediction.tsv"));
                Assert.Equal(ResultChecks.ImagePrediction, image.Columns);
                Assert.Equal(sessions, image.Rows.Count);
                ResultChecks.CheckProbabilities(image);
                ResultChecks.CheckSoftVoting(roi, image, weights);
                var imageMetrics = TsvTable.Read(Path.Combine(dir, $"{subset}_image_level_metrics.tsv"));
                Assert.Equal(ResultChecks.ImageMetrics, imageMetrics.Columns);
                ResultChecks.CheckMetrics(image, imageMetrics.Rows[0], imageMetrics.Columns);
            }
            var checkpoint = PyTorchFile.LoadCheckpoint(Path.Combine(foldDir, "models", selection, "model_best.pth.tar"));
            Assert.Equal(["model", "epoch", "valid_loss", "valid_acc"], checkpoint.Keys);
        }
    }

    private static void CheckEvents(string path)
    {
        Assert.NotEmpty(ClinicaDl.Formats.TensorBoard.EventFileReader.ReadScalars(path));
        if (!TfEventsChecker.ShouldRun) return; // a clone without ../shared: only our own reader checks the file
        var (exitCode, text) = TfEventsChecker.Run(path, "--tags", "loss,balanced_accuracy");
        Assert.True(exitCode == 0, text);
        Assert.Contains("0 defects", text);
    }

    [Fact]
    public void Train_SameSeed_GivesIdenticalTablesAndWeights()
    {
        string a = data.NewOutput("seed-a"), b = data.NewOutput("seed-b");
        // Separate processes: in-process runs share LibTorch's process-wide thread settings with the test classes running
        // beside them, and a thread count changed mid-run changes the last bits of the reductions (seen as a 1e-5 flake).
        using (var ra = new ChildProcess(Command(a, "--split", "0", "--seed", "3", "--data_augmentation", "Noise", "CropPad", "--dropout", "0.2", "-np", "2")))
        using (var rb = new ChildProcess(Command(b, "--split", "0", "--seed", "3", "--data_augmentation", "Noise", "CropPad", "--dropout", "0.2", "-np", "1")))
        {
            Assert.True(ra.WaitForExit(TimeSpan.FromMinutes(5)) == 0, ra.Output);
            Assert.True(rb.WaitForExit(TimeSpan.FromMinutes(5)) == 0, rb.Output);
        }
        foreach (var file in Directory.GetFiles(Path.Combine(a, "fold-0"), "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(a, file);
            if (rel.Contains("tfevents")) continue; // wall times differ
            string other = Path.Combine(b, rel);
            if (rel.EndsWith("training.tsv", StringComparison.Ordinal))
            {
                // Everything but the time column.
                var ta = TsvTable.Read(file).Rows.Select(r => string.Join("\t", r.Where((_, i) => i != 2)));
                var tb = TsvTable.Read(other).Rows.Select(r => string.Join("\t", r.Where((_, i) => i != 2)));
                Assert.Equal(ta, tb);
                continue;
            }
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(other)), $"{rel} differs between two runs with the same seed");
        }
    }

    [Fact]
    public void Train_WithAmp_RunsInBfloat16MixedPrecision_AndSaysSo()
    {
        string output = data.NewOutput("amp");
        var result = CliRunner.Run(Command(output, "--split", "0", "--amp", "-v"));
        Assert.True(result.ExitCode == 0, result.All);
        // bfloat16 where the CPU has it natively; elsewhere --amp warns and the run stays in float32.
        string precision = ClinicaDl.Training.PrecisionMode.CpuRunsBf16() ? "precision: bfloat16 mixed" : "precision: float32 (--amp ignored";
        Assert.Contains(precision, result.All);
        Assert.Contains(precision, File.ReadAllText(Path.Combine(output, "environment.txt")));
        if (!ClinicaDl.Training.PrecisionMode.CpuRunsBf16()) Assert.Contains("training in float32 instead", result.All);
        Assert.Contains("\"amp\": true", File.ReadAllText(Path.Combine(output, "commandline.json")));
        var training = TsvTable.Read(Path.Combine(output, "fold-0", "training.tsv"));
        Assert.All(new[] { "loss_train", "loss_valid" }, c => Assert.True(double.IsFinite(double.Parse(training.Rows[0][training.IndexOf(c)], CultureInfo.InvariantCulture))));
        // The weights stay float32 master weights: the saved model loads strictly into a float32 Conv4_FC3.
        string model = Path.Combine(output, "fold-0", "models", "best_loss", "model_best.pth.tar");
        using var network = new ClinicaDl.Networks.Conv4Fc3(0.5);
        ClinicaDl.Training.ModelState.LoadStrict(network, ClinicaDl.Training.ModelState.FromEntry(PyTorchFile.LoadCheckpoint(model)["model"], model, "model"), model);
        Assert.All(network.parameters(), p => Assert.Equal(TorchSharp.torch.ScalarType.Float32, p.dtype));
    }

    [Fact]
    public void Train_OneFold_DrawsItsLearningCurvesAndTheSummary()
    {
        string output = data.NewOutput("plots");
        var result = CliRunner.Run(Command(output, "--split", "0"));
        Assert.True(result.ExitCode == 0, result.All);

        foreach (string png in new[] { Path.Combine(output, "fold-0", "training.png"), Path.Combine(output, "training_summary.png") })
        {
            byte[] bytes = File.ReadAllBytes(png);
            Assert.True(bytes.Length > 10_000, $"{png}: {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        Assert.DoesNotContain("could not be drawn", result.All);
    }

    [Fact]
    public void Train_FoldHoldingResults_IsRefusedWithoutOverwrite_AndNothingChanges()
    {
        string output = data.NewOutput("exists");
        Directory.CreateDirectory(Path.Combine(output, "fold-0"));
        File.WriteAllText(Path.Combine(output, "fold-0", "mine.txt"), "keep");
        var result = CliRunner.Run(Command(output, "--split", "0"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("already holds results", result.Error);
        Assert.Contains("--overwrite", result.Error);
        Assert.Equal(["mine.txt"], Directory.GetFiles(Path.Combine(output, "fold-0")).Select(Path.GetFileName));
        Assert.False(File.Exists(Path.Combine(output, "commandline.json")));
    }
}
