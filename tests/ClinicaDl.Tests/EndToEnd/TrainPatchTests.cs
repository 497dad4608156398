using System.Globalization;
using System.Text.Json;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>train patch cnn|multicnn|autoencoder</c> end to end on the trivial CAPS, with 50³ patches at stride 120
/// (1 × 2 × 2 = 4 patches per image, so that runs stay short), <c>extract patch</c>, <c>classify</c> and transfer learning.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class TrainPatchTests(SyntheticCapsFixture data)
{
    private static readonly string[] Grid = ["--patch_size", "50", "--stride_size", "120"];
    private static readonly string[] Selections = ["best_balanced_accuracy", "best_loss"];

    private CliRunner.Result Train(string network, string output, string? caps = null, params string[] extra)
        => CliRunner.Run(["train", "patch", network, caps ?? data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--batch_size", "4", "--threads", "1", .. Grid, .. extra]);

    private static List<string> Files(string output)
        => Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f).Replace('\\', '/'))
            .Where(f => !f.Contains("tfevents", StringComparison.Ordinal)).Order().ToList();

    private static IEnumerable<string> ClassificationFiles(string prefix = "fold-0/cnn_classification")
        => from s in Selections from subset in new[] { "train", "validation" } from level in new[] { "patch", "image" } from kind in new[] { "prediction", "metrics" }
           select $"{prefix}/{s}/{subset}_{level}_level_{kind}.tsv";

    /// <summary>Per-patch validation balanced accuracy, the soft-voting weights (decision 2; all 1 when none is positive).</summary>
    private static Dictionary<int, double> Weights(TsvTable patches)
    {
        var weights = patches.Rows.GroupBy(r => int.Parse(r[2], CultureInfo.InvariantCulture)).ToDictionary(g => g.Key,
            g => BinaryMetrics.From(g.Select(r => int.Parse(r[3], CultureInfo.InvariantCulture)).ToList(), g.Select(r => int.Parse(r[4], CultureInfo.InvariantCulture)).ToList()).BalancedAccuracy);
        return weights.Values.All(w => w <= 0) ? weights.ToDictionary(kv => kv.Key, _ => 1.0) : weights;
    }

    [Fact]
    public void Cnn_WritesClinicaDlTree_PatchLevelTables_AndCommandLineInClinicaDlOrder()
    {
        string output = data.NewOutput("patch-cnn");
        var r = Train("cnn", output, extra: ["--epochs", "2"]);
        Assert.True(r.ExitCode == 0, r.All);
        var expected = new List<string> { "commandline.json", "environment.txt", "training_summary.png", "fold-0/split.tsv", "fold-0/training.tsv", "fold-0/training.png" };
        expected.AddRange(Selections.Select(s => $"fold-0/models/{s}/model_best.pth.tar"));
        expected.AddRange(ClassificationFiles());
        Assert.Equal(expected.Order(), Files(output));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(output, "fold-0", "tensorboard_logs"), "events.out.tfevents.*", SearchOption.AllDirectories).Length);

        // 0.2.1's keys in its order (spec modes Appendix A), then ours.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "commandline.json")));
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        string[] clinicadl = ["logname", "version", "task", "mode", "network_type", "caps_dir", "preprocessing", "tsv_path", "model", "use_cpu", "nproc",
            "batch_size", "evaluation_steps", "multi_cohort", "diagnoses", "baseline", "unnormalize", "data_augmentation", "sampler", "n_splits", "split",
            "epochs", "learning_rate", "weight_decay", "dropout", "patience", "tolerance", "accumulation_steps", "patch_size", "stride_size",
            "use_extracted_patches", "transfer_learning_path", "transfer_learning_selection", "selection_threshold"];
        Assert.Equal(clinicadl, keys.Take(clinicadl.Length));
        Assert.Equal("patch", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(50, json.RootElement.GetProperty("patch_size").GetInt32());
        Assert.Equal(120, json.RootElement.GetProperty("stride_size").GetInt32());
        Assert.False(json.RootElement.GetProperty("use_extracted_patches").GetBoolean());

        string dir = Path.Combine(output, "fold-0", "cnn_classification", "best_loss");
        var patches = TsvTable.Read(Path.Combine(dir, "validation_patch_level_prediction.tsv"));
        Assert.Equal(["participant_id", "session_id", "patch_id", "true_label", "predicted_label", "proba0", "proba1"], patches.Columns);
        // Validation rows: image-major, patch_id ascending.
        Assert.Equal(Enumerable.Range(0, patches.Rows.Count).Select(i => (i % 4).ToString(CultureInfo.InvariantCulture)), patches.Rows.Select(x => x[2]));
        ResultChecks.CheckProbabilities(patches);
        var metrics = TsvTable.Read(Path.Combine(dir, "validation_patch_level_metrics.tsv"));
        Assert.Equal(["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv", "total_loss", "total_kl_loss", "patch_id"], metrics.Columns);
        ResultChecks.CheckMetrics(patches, metrics.Rows[0], metrics.Columns);
        var image = TsvTable.Read(Path.Combine(dir, "validation_image_level_prediction.tsv"));
        Assert.Equal(ResultChecks.ImagePrediction, image.Columns);
        ResultChecks.CheckSoftVoting(patches, image, Weights(patches));
    }

    [Fact]
    public void MultiCnn_TrainsOneNetworkPerPatchLocation_AndMergesNetworkMajor()
    {
        string output = data.NewOutput("patch-multicnn");
        var r = Train("multicnn", output, extra: ["--epochs", "1"]);
        Assert.True(r.ExitCode == 0, r.All);
        var expected = new List<string> { "commandline.json", "environment.txt", "training_summary.png", "fold-0/split.tsv", "fold-0/training.png" };
        for (int k = 0; k < 4; k++)
        {
            expected.Add($"fold-0/tensorboard_logs/cnn-{k}/training.tsv");
            expected.Add($"fold-0/tensorboard_logs/cnn-{k}/training.png");
            expected.AddRange(Selections.Select(s => $"fold-0/models/cnn-{k}/{s}/model_best.pth.tar"));
        }
        expected.AddRange(ClassificationFiles());
        Assert.Equal(expected.Order(), Files(output));

        string dir = Path.Combine(output, "fold-0", "cnn_classification", "best_balanced_accuracy");
        var metrics = TsvTable.Read(Path.Combine(dir, "validation_patch_level_metrics.tsv"));
        Assert.Equal(["0", "1", "2", "3"], metrics.Rows.Select(x => x[8]));
        var patches = TsvTable.Read(Path.Combine(dir, "validation_patch_level_prediction.tsv"));
        int sessions = patches.Rows.Count / 4;
        Assert.Equal(Enumerable.Range(0, 4).SelectMany(k => Enumerable.Repeat(k.ToString(CultureInfo.InvariantCulture), sessions)), patches.Rows.Select(x => x[2]));
        ResultChecks.CheckSoftVoting(patches, TsvTable.Read(Path.Combine(dir, "validation_image_level_prediction.tsv")), Weights(patches));
    }

    [Fact]
    public void Autoencoder_Visualization_WritesThePatchesOfTheFirstSession()
    {
        string output = data.NewOutput("patch-ae");
        var r = Train("autoencoder", output, extra: ["--epochs", "1", "--visualization"]);
        Assert.True(r.ExitCode == 0, r.All);
        var files = Files(output);
        Assert.Contains("fold-0/models/best_loss/model_best.pth.tar", files);
        Assert.DoesNotContain(files, f => f.Contains("cnn_classification", StringComparison.Ordinal));
        foreach (var subset in new[] { "train", "validation" })
            for (int k = 0; k < 4; k++)
                foreach (var kind in new[] { "input", "output" })
                {
                    string f = $"fold-0/autoencoder_reconstruction/{subset}/{kind}-{k}.nii.gz";
                    Assert.Contains(f, files);
                    Assert.Equal([50, 50, 50], NiftiReader.Read(Path.Combine(output, f)).Shape);
                }
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "commandline.json")));
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).SkipWhile(k => k != "accumulation_steps").Skip(1).Take(6);
        Assert.Equal(["patch_size", "stride_size", "use_extracted_patches", "visualization", "transfer_learning_path", "transfer_learning_selection"], keys);
        Assert.Equal("best_loss", json.RootElement.GetProperty("transfer_learning_selection").GetString());
    }

    [Fact]
    public void UseExtractedPatches_GivesTheSameTablesAsCuttingTheImages()
    {
        string caps = data.CopyCaps("patch-extracted");
        var x = CliRunner.Run(["extract", "patch", caps, "t1-linear", .. Grid, "-np", "1"]);
        Assert.True(x.ExitCode == 0, x.All);
        // The images are not needed with extracted patches: remove them from the copy.
        foreach (var image in Directory.GetFiles(Path.Combine(caps, "subjects"), "*_T1w.nii.gz", SearchOption.AllDirectories)) File.Delete(image);
        foreach (var image in Directory.GetFiles(Path.Combine(caps, "subjects"), "*_T1w.pt", SearchOption.AllDirectories).Where(f => f.Contains("image_based", StringComparison.Ordinal)))
            File.Delete(image);
        string fromFiles = data.NewOutput("patch-from-files"), fromImages = data.NewOutput("patch-from-images");
        var a = Train("cnn", fromFiles, caps, "--epochs", "1", "--use_extracted_patches");
        Assert.True(a.ExitCode == 0, a.All);
        Assert.True(Train("cnn", fromImages, extra: ["--epochs", "1"]).ExitCode == 0);
        foreach (var table in new[] { "validation_patch_level_prediction.tsv", "train_patch_level_prediction.tsv", "validation_image_level_prediction.tsv" })
        {
            string path = Path.Combine("fold-0", "cnn_classification", "best_loss", table);
            Assert.Equal(File.ReadAllText(Path.Combine(fromImages, path)), File.ReadAllText(Path.Combine(fromFiles, path)));
        }
    }

    [Fact]
    public void UseExtractedPatches_Missing_NamesTheFirstFileAndTheCommand()
    {
        string output = data.NewOutput("patch-missing");
        var r = CliRunner.Run("train", "patch", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--use_extracted_patches", "--stride_size", "121");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("patch_based/t1_linear/", r.Error);
        Assert.Contains("_patchsize-50_stride-121_patch-0_T1w.pt", r.Error);
        Assert.Contains($"clinicadl extract patch {data.Caps} t1-linear --patch_size 50 --stride_size 121", r.Error);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("cnn", "64", "50", "-ps/--patch_size: must be an integer in 47..62")]
    [InlineData("multicnn", "46", "50", "-ps/--patch_size: must be an integer in 47..62")]
    [InlineData("autoencoder", "30", "50", "-ps/--patch_size: must be an integer in 31..169")]
    [InlineData("cnn", "50", "0", "-ss/--stride_size: must be an integer ≥ 1")]
    [InlineData("multicnn", "62", "200", "at least two patches for multicnn")]
    public void BadPatchOptions_Exit2_NamingTheOption_BeforeAnythingIsWritten(string network, string ps, string ss, string message)
    {
        string output = data.NewOutput("patch-bad");
        var r = CliRunner.Run("train", "patch", network, data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "-ps", ps, "-ss", ss);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Error);
        Assert.Single(r.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Classify_PatchModels_ReproducesTheValidationRows()
    {
        foreach (var network in new[] { "cnn", "multicnn" })
        {
            string model = data.NewOutput("patch-classify-" + network);
            Assert.True(Train(network, model, extra: ["--epochs", "1"]).ExitCode == 0);
            string valid = Path.Combine(data.Labels, "validation_splits-2", "split-0");
            var r = CliRunner.Run("classify", data.Caps, valid, model, "heldout", "-cpu", "--threads", "1");
            Assert.True(r.ExitCode == 0, r.All);
            foreach (var selection in Selections)
            {
                string dir = Path.Combine(model, "fold-0", "cnn_classification", selection);
                foreach (var level in new[] { "patch", "image" })
                    Assert.Equal(File.ReadAllText(Path.Combine(dir, $"validation_{level}_level_prediction.tsv")),
                        File.ReadAllText(Path.Combine(dir, $"heldout_{level}_level_prediction.tsv")));
            }
        }
    }

    /// <summary>A best model's state (fold 0), network <paramref name="network"/> of a multicnn.</summary>
    private static Dictionary<string, float[]> Weights(string output, string selection, int? network = null)
    {
        string file = network is int k
            ? Path.Combine(output, "fold-0", "models", $"cnn-{k}", selection, "model_best.pth.tar")
            : Path.Combine(output, "fold-0", "models", selection, "model_best.pth.tar");
        using var scope = NewDisposeScope();
        return ModelState.FromEntry(PyTorchFile.LoadCheckpoint(file)["model"], file, "model")
            .Where(kv => kv.Value.dtype == ScalarType.Float32)
            .ToDictionary(kv => kv.Key, kv => kv.Value.contiguous().data<float>().ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual, string key)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (a, b) => Math.Abs((double)a - b)).Max();
        Assert.True(worst < 1e-6, $"{key}: largest difference {worst}");
    }

    /// <summary>AE → cnn, AE → every multicnn network, multicnn → multicnn network k from k. With a learning rate of 1e-10
    /// one epoch moves no weight by more than about 1e-9, so the trained convolutions still equal what was loaded.</summary>
    [Fact]
    public void TransferLearning_AutoencoderToCnnAndMultiCnn_MultiCnnToMultiCnnNetworkByNetwork()
    {
        string[] still = ["--epochs", "1", "--learning_rate", "1e-10", "--weight_decay", "0"];
        string ae = data.NewOutput("patch-tl-ae");
        Assert.True(Train("autoencoder", ae, extra: ["--epochs", "1"]).ExitCode == 0);
        var encoder = Weights(ae, "best_loss").Where(kv => kv.Key.StartsWith("encoder.", StringComparison.Ordinal) && kv.Key.EndsWith(".weight", StringComparison.Ordinal))
            .ToDictionary(kv => "features." + kv.Key["encoder.".Length..], kv => kv.Value);
        Assert.Equal(8, encoder.Count); // 4 convolutions, 4 BatchNorms

        string cnn = data.NewOutput("patch-tl-cnn");
        var c = Train("cnn", cnn, extra: [.. still, "--transfer_learning_path", ae]);
        Assert.True(c.ExitCode == 0, c.All);
        var cnnWeights = Weights(cnn, "best_loss");
        foreach (var (key, value) in encoder) AssertClose(value, cnnWeights[key], key);

        string multi = data.NewOutput("patch-tl-multi");
        var m = Train("multicnn", multi, extra: [.. still, "--transfer_learning_path", ae]);
        Assert.True(m.ExitCode == 0, m.All);
        for (int k = 0; k < 4; k++)
        {
            var w = Weights(multi, "best_loss", k);
            foreach (var (key, value) in encoder) AssertClose(value, w[key], $"cnn-{k} {key}");
        }

        // multicnn → multicnn: network k starts from source network k (the source networks differ from one another).
        string again = data.NewOutput("patch-tl-multi2");
        var m2 = Train("multicnn", again, extra: [.. still, "--transfer_learning_path", multi, "--transfer_learning_selection", "best_loss"]);
        Assert.True(m2.ExitCode == 0, m2.All);
        for (int k = 0; k < 4; k++)
        {
            var source = Weights(multi, "best_loss", k);
            var target = Weights(again, "best_loss", k);
            AssertClose(source["classifier.7.weight"], target["classifier.7.weight"], $"cnn-{k} classifier.7.weight");
        }
        Assert.NotEqual(Weights(multi, "best_loss", 0)["classifier.7.weight"], Weights(multi, "best_loss", 1)["classifier.7.weight"]);

        // Another patch grid has another number of networks: refused before anything is written.
        string other = data.NewOutput("patch-tl-other");
        var refused = CliRunner.Run("train", "patch", "multicnn", data.Caps, "t1-linear", data.Labels, other, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "-ps", "50", "-ss", "100", "--transfer_learning_path", multi);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("a multicnn folder with 8 networks (it has 4)", refused.Error);
        Assert.False(Directory.Exists(other));
    }

    /// <summary>A patch autoencoder folder as ClinicaDL 0.2.1 writes it (its commandline.json keys, PyTorch's checkpoint)
    /// initialises the features of a patch cnn.</summary>
    [PythonFact("torch")]
    public void TransferLearning_FromAClinicaDl021PatchAutoencoder()
    {
        string source = data.NewOutput("patch-clinicadl021-ae");
        Python.Run(PythonModels.Conv4Fc3 + """

import sys, os, json, numpy as np
out = sys.argv[1]
torch.manual_seed(5)
model = AutoEncoder()
os.makedirs(f"{out}/fold-0/models/best_loss", exist_ok=True)
torch.save({"model": model.state_dict(), "epoch": 3, "valid_loss": np.float64(0.5)}, f"{out}/fold-0/models/best_loss/model_best.pth.tar")
keys = {"logname": "clinicaDL.log", "version": False, "task": "train", "mode": "patch", "network_type": "autoencoder", "caps_dir": "caps",
        "preprocessing": "t1-linear", "tsv_path": "labels", "model": "Conv4_FC3", "use_cpu": True, "nproc": 2, "batch_size": 2,
        "evaluation_steps": 0, "multi_cohort": False, "diagnoses": ["AD", "CN"], "baseline": False, "unnormalize": False,
        "data_augmentation": False, "sampler": "random", "n_splits": None, "split": None, "epochs": 20, "learning_rate": 0.0001,
        "weight_decay": 0.0001, "dropout": 0, "patience": 0, "tolerance": 0.0, "accumulation_steps": 1, "patch_size": 50,
        "stride_size": 50, "use_extracted_patches": False, "visualization": False, "transfer_learning_path": None,
        "transfer_learning_selection": "best_loss"}
json.dump(keys, open(f"{out}/commandline.json", "w"), indent=4)
""", source);
        string cnn = data.NewOutput("patch-from-021");
        var r = Train("cnn", cnn, extra: ["--epochs", "1", "--learning_rate", "1e-10", "--weight_decay", "0", "--transfer_learning_path", source]);
        Assert.True(r.ExitCode == 0, r.All);
        var encoder = Weights(source, "best_loss");
        var trained = Weights(cnn, "best_loss");
        foreach (int i in new[] { 0, 4, 8, 12 })
            AssertClose(encoder[$"encoder.{i}.weight"], trained[$"features.{i}.weight"], $"features.{i}.weight");
    }

    [PythonFact("torch", "nibabel")]
    public void ModelBest_LoadsStrictInPyTorch_AndReproducesPatchProbabilities()
    {
        string cnn = data.NewOutput("patch-interop-cnn"), multi = data.NewOutput("patch-interop-multi"), ae = data.NewOutput("patch-interop-ae");
        Assert.True(Train("cnn", cnn, extra: ["--epochs", "2", "--dropout", "0.3"]).ExitCode == 0);
        Assert.True(Train("multicnn", multi, extra: ["--epochs", "1"]).ExitCode == 0);
        Assert.True(Train("autoencoder", ae, extra: ["--epochs", "1"]).ExitCode == 0);
        string script = PythonModels.Conv4Fc3 + """

import sys, csv, nibabel as nib
cnn, multi, ae, caps = sys.argv[1:5]
ps, st = 50, 120
images = {}
def patch(p, s, k):
    if (p, s) not in images:
        x = torch.from_numpy(nib.load(f"{caps}/subjects/{p}/{s}/t1_linear/{p}_{s}_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz").get_fdata(dtype="float32")).unsqueeze(0)
        images[(p, s)] = x.unfold(1, ps, st).unfold(2, ps, st).unfold(3, ps, st).contiguous().view(-1, ps, ps, ps)
    x = images[(p, s)][k].unsqueeze(0).clone()
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo) if hi > lo else torch.zeros_like(x)
worst = 0.0
for out, multicnn in ((cnn, False), (multi, True)):
    for selection in ("best_balanced_accuracy", "best_loss"):
        rows = list(csv.DictReader(open(f"{out}/fold-0/cnn_classification/{selection}/validation_patch_level_prediction.tsv"), delimiter="\t"))
        models = {}
        for r in rows:
            k = int(r["patch_id"])
            key = k if multicnn else None
            if key not in models:
                path = f"{out}/fold-0/models/cnn-{k}/{selection}/model_best.pth.tar" if multicnn else f"{out}/fold-0/models/{selection}/model_best.pth.tar"
                ckpt = torch.load(path)
                assert set(ckpt) >= {"model", "epoch", "valid_loss", "valid_acc"}, list(ckpt)
                model = Conv4_FC3(dropout=0.3 if out == cnn else 0)
                model.load_state_dict(ckpt["model"], strict=True)
                models[key] = model.eval()
            with torch.no_grad():
                proba = torch.softmax(models[key](patch(r["participant_id"], r["session_id"], k).unsqueeze(0)), dim=1)[0]
            worst = max(worst, abs(proba[0].item() - float(r["proba0"])), abs(proba[1].item() - float(r["proba1"])))
auto = AutoEncoder()
auto.load_state_dict(torch.load(f"{ae}/fold-0/models/best_loss/model_best.pth.tar")["model"], strict=True)
print(worst)
""";
        string worst = Python.Run(script, cnn, multi, ae, data.Caps).Trim();
        Assert.True(double.Parse(worst, CultureInfo.InvariantCulture) < 1e-5, $"largest probability difference {worst}");
    }
}
