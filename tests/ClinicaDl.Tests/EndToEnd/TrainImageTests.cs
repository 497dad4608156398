using System.Text.Json;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>train image cnn|autoencoder</c> end to end (one epoch each: the files and their agreement are checked, not learning) on 97×129×97 images (the smallest Conv5_FC3_mni takes), then
/// classify and transfer learning from the results.</summary>
[Collection(SmallImageCapsCollection.Name)]
public sealed class TrainImageTests(SmallImageCapsFixture data)
{
    private const string Model = SmallImageCapsFixture.Model;
    internal static readonly string[] Selections = ["best_balanced_accuracy", "best_loss"];
    internal static readonly string[] Subsets = ["train", "validation"];

    private static string[] Command(string network, string caps, string labels, string output, int epochs, params string[] extra)
        => SmallImageCapsFixture.TrainCommand(network, caps, labels, output, epochs, extra);

    private string Train(string network, string name, string? caps = null, params string[] extra)
    {
        string output = data.NewOutput(name);
        var result = CliRunner.Run(Command(network, caps ?? data.Caps, data.Labels, output, 1, extra));
        Assert.True(result.ExitCode == 0, result.All);
        return output;
    }

    private static List<string> Files(string output) => Directory.GetFiles(output, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).Where(f => !f.Contains("tfevents")).Order().ToList();

    /// <summary>A TSV with its <c>time</c> column (wall clock) removed.</summary>
    private static string WithoutTime(string path)
    {
        var table = TsvTable.Read(path);
        int time = table.Columns.ToList().IndexOf("time");
        return string.Join("\n", table.Rows.Select(r => string.Join("\t", r.Where((_, i) => i != time))));
    }

    [Fact]
    public void Cnn_WritesTheImageTree_AndExtractedTensorsGiveTheSameTables()
    {
        string output = data.TrainedCnn;
        var expected = new List<string> { "commandline.json", "environment.txt", "training_summary.png", "fold-0/split.tsv", "fold-0/training.tsv", "fold-0/training.png" };
        foreach (var s in Selections)
        {
            expected.Add($"fold-0/models/{s}/model_best.pth.tar");
            foreach (var subset in Subsets)
                foreach (var kind in new[] { "prediction", "metrics" })
                    expected.Add($"fold-0/cnn_classification/{s}/{subset}_image_level_{kind}.tsv");
        }
        Assert.Equal(expected.Order(), Files(output));
        foreach (var subset in Subsets)
            Assert.Single(Directory.GetFiles(Path.Combine(output, "fold-0", "tensorboard_logs", subset), "events.out.tfevents.*"));

        var training = TsvTable.Read(Path.Combine(output, "fold-0", "training.tsv"));
        Assert.Equal(["epoch", "iteration", "time", "balanced_accuracy_train", "loss_train", "balanced_accuracy_valid", "loss_valid"], training.Columns);
        Assert.Single(training.Rows);
        foreach (var s in Selections)
        {
            string dir = Path.Combine(output, "fold-0", "cnn_classification", s);
            var predictions = TsvTable.Read(Path.Combine(dir, "validation_image_level_prediction.tsv"));
            Assert.Equal(["participant_id", "session_id", "true_label", "predicted_label", "proba0", "proba1"], predictions.Columns);
            Assert.Equal(4, predictions.Rows.Count);
            var metrics = TsvTable.Read(Path.Combine(dir, "validation_image_level_metrics.tsv"));
            Assert.Equal(["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv", "total_loss", "total_kl_loss", "image_id"], metrics.Columns);
            Assert.Equal("", Assert.Single(metrics.Rows)[8]);
            var checkpoint = PyTorchFile.LoadCheckpoint(Path.Combine(output, "fold-0", "models", s, "model_best.pth.tar"));
            Assert.Equal(["model", "epoch", "valid_loss", "valid_acc"], checkpoint.Keys);
        }

        // commandline.json: 0.2.1's image cnn keys after accumulation_steps (spec modes §1.4), then ours.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "commandline.json")));
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal("image", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(Model, json.RootElement.GetProperty("model").GetString());
        Assert.Equal(["accumulation_steps", "transfer_learning_path", "transfer_learning_selection", "seed"],
            keys.Skip(keys.IndexOf("accumulation_steps")).Take(4));

        // The same run from clinica's whole-image tensors (extract image) gives the same tables.
        string caps = data.CopyCaps("tensors");
        var extract = CliRunner.Run("extract", "image", caps, "t1-linear");
        Assert.True(extract.ExitCode == 0, extract.All);
        string fromTensors = data.TrainInChild("cnn", "cnn-tensors", caps);
        foreach (var file in Files(output).Where(f => f.EndsWith(".tsv", StringComparison.Ordinal)))
            Assert.Equal(WithoutTime(Path.Combine(output, file)), WithoutTime(Path.Combine(fromTensors, file)));

        // classify with the run's models: the validation sessions give the validation tables.
        string valid = Path.Combine(data.Labels, "validation_splits-2", "split-0");
        var classify = CliRunner.Run("classify", data.Caps, valid, output, "heldout", "-cpu", "--threads", "1");
        Assert.True(classify.ExitCode == 0, classify.All);
        foreach (var s in Selections)
        {
            string dir = Path.Combine(output, "fold-0", "cnn_classification", s);
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "validation_image_level_prediction.tsv")), File.ReadAllText(Path.Combine(dir, "heldout_image_level_prediction.tsv")));
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "validation_image_level_metrics.tsv")), File.ReadAllText(Path.Combine(dir, "heldout_image_level_metrics.tsv")));
            Assert.False(File.Exists(Path.Combine(dir, "heldout_roi_level_prediction.tsv")));
        }
        var leak = CliRunner.Run("classify", data.Caps, Path.Combine(data.Labels, "train_splits-2", "split-0", "AD.tsv"), output, "leak", "-cpu");
        Assert.Equal(2, leak.ExitCode);
        Assert.Contains("--skip_leak_check", leak.Error);

        // interpret group on the named image network: one map on the image grid, identity affine without a template (its values
        // are checked against PyTorch autograd on a random-search image job: RandomSearchImageTests).
        var interpret = CliRunner.Run("interpret", "group", output, "maps", "-cpu", "--threads", "1", "--batch_size", "4");
        Assert.True(interpret.ExitCode == 0, interpret.All);
        var map = NiftiReader.Read(Path.Combine(output, "fold-0", "gradients", "best_loss", "maps", "map.nii.gz"));
        Assert.Equal(SmallImageCapsFixture.Shape, map.Shape);
        Assert.Equal(Affine.Identity, map.Affine);
        Assert.Contains(map.Data, v => v != 0);

        // cnn → cnn transfer learning.
        string transferred = data.NewOutput("cnn-from-cnn");
        var t = CliRunner.Run(Command("cnn", data.Caps, data.Labels, transferred, 1, "--transfer_learning_path", output));
        Assert.True(t.ExitCode == 0, t.All);
    }

    [Fact]
    public void VariationalCnn_LogsAndWritesItsKlTerm_AndClassifies()
    {
        string output = data.TrainedVariationalCnn;
        var expected = new List<string> { "commandline.json", "environment.txt", "training_summary.png", "fold-0/split.tsv", "fold-0/training.tsv", "fold-0/training.png" };
        foreach (var s in Selections)
        {
            expected.Add($"fold-0/models/{s}/model_best.pth.tar");
            foreach (var subset in Subsets)
                foreach (var kind in new[] { "prediction", "metrics" })
                    expected.Add($"fold-0/cnn_classification/{s}/{subset}_image_level_{kind}.tsv");
        }
        Assert.Equal(expected.Order(), Files(output));

        // training.tsv: a cnn's columns, then the mean KL terms (spec modes §3.5), which are not part of the losses. Evaluation
        // runs at z = mu, where 0.2.1's estimate log q(z) − log p(z) is mean(mu²/2 − log σ): not a true KL divergence, it may be
        // negative; its value is checked against 0.2.1's formula in ImageInteropTests.
        var training = TsvTable.Read(Path.Combine(output, "fold-0", "training.tsv"));
        Assert.Equal(["epoch", "iteration", "time", "balanced_accuracy_train", "loss_train", "balanced_accuracy_valid", "loss_valid", "kl_loss_train", "kl_loss_valid"], training.Columns);
        var row = Assert.Single(training.Rows);
        foreach (int column in new[] { 4, 6, 7, 8 })
        {
            double value = double.Parse(row[column], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(double.IsFinite(value) && (column < 7 ? value > 0 : value != 0), $"{training.Columns[column]} = {row[column]}");
        }

        foreach (var s in Selections)
        {
            string dir = Path.Combine(output, "fold-0", "cnn_classification", s);
            foreach (var subset in Subsets)
            {
                var metrics = TsvTable.Read(Path.Combine(dir, $"{subset}_image_level_metrics.tsv"));
                Assert.Equal(["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv", "total_loss", "total_kl_loss", "image_id"], metrics.Columns);
                var m = Assert.Single(metrics.Rows);
                double kl = double.Parse(m[7], System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(double.IsFinite(kl) && kl != 0, $"{subset} total_kl_loss = {m[7]}"); // 0 only for the other networks
            }
            var checkpoint = PyTorchFile.LoadCheckpoint(Path.Combine(output, "fold-0", "models", s, "model_best.pth.tar"));
            Assert.Equal(["model", "epoch", "valid_loss", "valid_acc"], checkpoint.Keys);
        }
        // The validation KL of the last epoch's model (training.tsv, per image) is the best_loss model's (one epoch: the same model).
        var bestLoss = TsvTable.Read(Path.Combine(output, "fold-0", "cnn_classification", "best_loss", "validation_image_level_metrics.tsv")).Rows[0];
        Assert.Equal(double.Parse(row[8], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(bestLoss[7], System.Globalization.CultureInfo.InvariantCulture) / 4, 5);

        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "commandline.json"))))
        {
            Assert.Equal(SmallImageCapsFixture.VariationalModel, json.RootElement.GetProperty("model").GetString());
            Assert.Equal(0.5, json.RootElement.GetProperty("dropout").GetDouble()); // accepted and ignored (M25)
        }

        // classify rebuilds VConv5_FC3 from commandline.json: the validation sessions give the validation tables, KL term included.
        string valid = Path.Combine(data.Labels, "validation_splits-2", "split-0");
        var classify = CliRunner.Run("classify", data.VariationalCaps, valid, output, "heldout", "-cpu", "--threads", "1");
        Assert.True(classify.ExitCode == 0, classify.All);
        foreach (var s in Selections)
        {
            string dir = Path.Combine(output, "fold-0", "cnn_classification", s);
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "validation_image_level_prediction.tsv")), File.ReadAllText(Path.Combine(dir, "heldout_image_level_prediction.tsv")));
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "validation_image_level_metrics.tsv")), File.ReadAllText(Path.Combine(dir, "heldout_image_level_metrics.tsv")));
        }

        // cnn → cnn transfer learning: a VConv5_FC3 starts from the folder's best model (its whole state, loaded strictly).
        string transferred = data.NewOutput("vcnn-from-vcnn");
        var t = CliRunner.Run(SmallImageCapsFixture.ModelTrainCommand(SmallImageCapsFixture.VariationalModel, "cnn", data.VariationalCaps, data.Labels, transferred, 1,
            "--transfer_learning_path", output, "-v"));
        Assert.True(t.ExitCode == 0, t.All);
        Assert.Contains(Path.Combine(output, "fold-0", "models", "best_balanced_accuracy", "model_best.pth.tar"), t.All);
    }

    [Fact]
    public void VariationalCnn_OnImagesItDoesNotFit_IsRefusedBeforeAnythingIsWritten()
    {
        string output = data.NewOutput("vcnn-small");
        var result = CliRunner.Run(SmallImageCapsFixture.ModelTrainCommand(SmallImageCapsFixture.VariationalModel, "cnn", data.Caps, data.Labels, output, 1));
        Assert.True(result.ExitCode == 2, result.All);
        Assert.Contains("MODEL: VConv5_FC3 does not fit 97×129×97 images", result.Error);
        Assert.Contains("161–192 × 193–224 × 161–192", result.Error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Autoencoder_WritesReconstructionsWithTheImageAffine_AndItsEncoderStartsACnn()
    {
        string output = Train("autoencoder", "ae", null, "--visualization");
        var expected = new List<string> { "commandline.json", "environment.txt", "training_summary.png", "fold-0/split.tsv", "fold-0/training.tsv", "fold-0/training.png", "fold-0/models/best_loss/model_best.pth.tar" };
        foreach (var subset in Subsets)
            for (int k = 0; k < 3; k++)
            {
                expected.Add($"fold-0/autoencoder_reconstruction/{subset}/input-{k}.nii.gz");
                expected.Add($"fold-0/autoencoder_reconstruction/{subset}/output-{k}.nii.gz");
            }
        Assert.Equal(expected.Order(), Files(output));
        Assert.Equal(["epoch", "iteration", "time", "loss_train", "loss_valid"], TsvTable.Read(Path.Combine(output, "fold-0", "training.tsv")).Columns);

        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "commandline.json"))))
        {
            var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(["accumulation_steps", "visualization", "transfer_learning_path", "transfer_learning_selection", "seed"],
                keys.Skip(keys.IndexOf("accumulation_steps")).Take(5));
            Assert.Equal("best_loss", json.RootElement.GetProperty("transfer_learning_selection").GetString());
        }

        // Reconstructions of the first validation sessions, on their image's grid and affine.
        var split = TsvTable.Read(Path.Combine(output, "fold-0", "split.tsv"));
        var first = split.Rows.First(r => r[4] == "validation");
        var image = NiftiReader.ReadHeader(Path.Combine(data.Caps, "subjects", first[0], first[1], "t1_linear",
            $"{first[0]}_{first[1]}_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz"));
        var input = NiftiReader.Read(Path.Combine(output, "fold-0", "autoencoder_reconstruction", "validation", "input-0.nii.gz"));
        var recon = NiftiReader.Read(Path.Combine(output, "fold-0", "autoencoder_reconstruction", "validation", "output-0.nii.gz"));
        Assert.Equal(SmallImageCapsFixture.Shape, input.Shape);
        Assert.Equal(SmallImageCapsFixture.Shape, recon.Shape);
        Assert.Equal(image.Affine, input.Affine);
        Assert.Equal(image.Affine, recon.Affine);
        Assert.Equal(0f, input.Data.Min());
        Assert.Equal(1f, input.Data.Max());
        Assert.True(recon.Data.Min() >= 0);

        // interpret explains a class logit: an autoencoder has none (0.2.1 failed at its weight load); exit 2, nothing written.
        var interpret = CliRunner.Run("interpret", "group", output, "maps", "-cpu");
        Assert.Equal(2, interpret.ExitCode);
        Assert.Contains("autoencoder", interpret.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "fold-0", "gradients")));

        // autoencoder → cnn: the cnn starts from the encoder.
        string cnn = data.NewOutput("cnn-from-ae");
        var t = CliRunner.Run(Command("cnn", data.Caps, data.Labels, cnn, 1, "--transfer_learning_path", output, "-v"));
        Assert.True(t.ExitCode == 0, t.All);
        Assert.Contains(Path.Combine(output, "fold-0", "models", "best_loss", "model_best.pth.tar"), t.All);
    }
}
