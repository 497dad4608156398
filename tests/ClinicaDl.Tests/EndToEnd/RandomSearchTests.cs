using System.Text.Json;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>clinicadl random-search</c> in roi mode on the synthetic CAPS (0.2.1 crashes there, V3).</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class RandomSearchTests(SyntheticCapsFixture data)
{
    /// <summary>A small ROI search: 2 blocks of 3 or 4 channels, 1–2 FC blocks, one epoch.</summary>
    private string Launch(string extra = "")
    {
        string dir = data.NewOutput("search");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "random_search.json"), $$"""
{
    {{extra}}
    "mode": "roi",
    "network_type": "cnn",
    "caps_dir": "{{data.Caps}}",
    "tsv_path": "{{data.Labels}}",
    "preprocessing": "t1-linear",
    "diagnoses": ["AD", "CN"],
    "epochs": 1,
    "learning_rate": [3, 4],
    "weight_decay": 4,
    "wd_bool": [true, false],
    "dropout": [0, 0.5],
    "network_normalization": ["BatchNorm", "InstanceNorm"],
    "n_convblocks": 2,
    "first_conv_width": [3, 4],
    "n_conv": [1, 2],
    "d_reduction": ["MaxPooling", "stride"],
    "n_fcblocks": [1, 2]
}
""");
        return dir;
    }

    [PythonFact("torch", "nibabel")]
    public void RandomSearch_Roi_TrainsLoadsStrictInPyTorchAndClassifies()
    {
        string launch = Launch();
        var result = CliRunner.Run("random-search", launch, "job-1", "-cpu", "--n_splits", "2", "--split", "1", "--batch_size", "4",
            "--threads", "1", "--seed", "3", "-esteps", "1");
        Assert.True(result.ExitCode == 0, result.All);
        string job = Path.Combine(launch, "job-1");
        Assert.Contains("Sampled: roi cnn", result.Output, StringComparison.Ordinal);
        OutputFiles.CheckAllParse(job);
        Assert.Equal(["random_search.json", "job-1"], Directory.GetFileSystemEntries(launch).Select(Path.GetFileName).Order(StringComparer.Ordinal).Reverse());

        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(job, "commandline.json")));
        var root = doc.RootElement;
        var keys = root.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["logname", "version", "task", "n_splits", "split", "use_cpu", "nproc", "batch_size", "evaluation_steps",
            "tsv_path", "caps_dir", "epochs", "patience", "tolerance", "diagnoses", "data_augmentation", "multi_cohort", "channels_limit",
            "use_extracted_patches", "use_extracted_slices", "mode", "network_type", "network_normalization", "n_fcblocks", "preprocessing",
            "baseline", "unnormalize", "learning_rate", "dropout", "accumulation_steps", "loss", "optimizer", "wd_bool", "weight_decay",
            "sampler", "transfer_learning_path", "transfer_learning_selection", "selection_threshold", "roi_list", "uncropped_roi",
            "use_extracted_roi", "convolutions"], keys.TakeWhile(k => k != "seed"));
        Assert.Equal("random-search", root.GetProperty("task").GetString());
        Assert.False(root.TryGetProperty("model", out _));
        Assert.Equal(3, root.GetProperty("seed").GetInt64());
        double lr = root.GetProperty("learning_rate").GetDouble();
        Assert.InRange(lr, 1e-4, 1e-3);
        var conv = root.GetProperty("convolutions");
        Assert.Equal(JsonValueKind.Null, conv.GetProperty("conv0").GetProperty("in_channels").ValueKind);
        Assert.Equal(conv.GetProperty("conv0").GetProperty("out_channels").GetInt32() * 2, conv.GetProperty("conv1").GetProperty("out_channels").GetInt32());

        // The same seed samples the same job (a second NAME, nothing trained: its options are the recorded ones).
        var again = ClinicaDl.Runs.RandomSearch.RandomSearchRun.Prepare(new ClinicaDl.Runs.RandomSearch.RandomSearchOptions(launch, "job-2",
            new ClinicaDl.Options.ComputationalOptions(UseCpu: true), new ClinicaDl.Options.CrossValidationOptions(2, [1]), Seed: 3));
        Assert.Equal(lr, again.Options.Optimization.LearningRate);

        string script = PythonModels.Conv4Fc3 + PythonRandomArchitecture.Source + """

import sys, csv, json, nibabel as nib
out, caps = sys.argv[1], sys.argv[2]
cl = json.load(open(f"{out}/commandline.json"))
worst = 0.0
for selection in ("best_balanced_accuracy", "best_loss"):
    ckpt = torch.load(f"{out}/fold-1/models/{selection}/model_best.pth.tar")
    model = from_commandline(cl, (1, 50, 50, 50))
    model.load_state_dict(ckpt["model"], strict=True)
    model.eval()
    rows = list(csv.DictReader(open(f"{out}/fold-1/cnn_classification/{selection}/validation_roi_level_prediction.tsv"), delimiter="\t"))
    assert rows
    for r in rows:
        p, s = r["participant_id"], r["session_id"]
        image = nib.load(f"{caps}/subjects/{p}/{s}/t1_linear/{p}_{s}_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz").get_fdata(dtype="float32")
        with torch.no_grad():
            proba = torch.softmax(model(default_roi(image, int(r["roi_id"])).unsqueeze(0)), dim=1)[0]
        worst = max(worst, abs(proba[0].item() - float(r["proba0"])), abs(proba[1].item() - float(r["proba1"])))
print(worst)
""";
        string worst = Python.Run(script, job, data.Caps).Trim();
        Assert.True(double.Parse(worst, System.Globalization.CultureInfo.InvariantCulture) < 1e-5, $"largest probability difference {worst}");

        // classify rebuilds the RandomArchitecture from commandline.json.
        var classify = CliRunner.Run("classify", data.Caps, Path.Combine(data.Labels, "validation_splits-2", "split-1"), job, "again", "-cpu", "--threads", "1");
        Assert.True(classify.ExitCode == 0, classify.All);
        Assert.True(File.Exists(Path.Combine(job, "fold-1", "cnn_classification", "best_loss", "again_image_level_prediction.tsv")));

        // interpret rebuilds it too.
        var interpret = CliRunner.Run("interpret", "group", job, "maps", "-cpu", "--threads", "1");
        Assert.True(interpret.ExitCode == 0, interpret.All);
        Assert.Equal(50 * 50 * 50 * 4 + 128, new FileInfo(Path.Combine(job, "fold-1", "gradients", "best_loss", "maps", "map.npy")).Length);
    }

    [Theory]
    [InlineData("\"epochs\": 1,", "", "epochs")]
    [InlineData("\"mode\": \"roi\",", "\"mode\": \"slice\",", "mode")]
    [InlineData("\"network_normalization\": [\"BatchNorm\", \"InstanceNorm\"],", "\"network_normalization\": \"None\",", "network_normalization")]
    [InlineData("\"diagnoses\": [\"AD\", \"CN\"],", "\"diagnoses\": [\"AD\", \"XX\"],", "diagnoses")]
    public void RandomSearch_BadJson_Exits2NamingTheKeyAndWritesNothing(string line, string replacement, string key)
    {
        string launch = Launch();
        string file = Path.Combine(launch, "random_search.json");
        File.WriteAllText(file, File.ReadAllText(file).Replace(line, replacement, StringComparison.Ordinal));
        var result = CliRunner.Run("random-search", launch, "job", "-cpu", "--n_splits", "2", "--split", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(key, result.Error, StringComparison.Ordinal);
        Assert.Contains("random_search.json", result.Error, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(launch));
    }

    [Fact]
    public void RandomSearch_BadArguments_Exit2()
    {
        string launch = Launch();
        var missing = CliRunner.Run("random-search", Path.Combine(launch, "nowhere"), "job", "-cpu");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("LAUNCH_DIR", missing.Error, StringComparison.Ordinal);
        var name = CliRunner.Run("random-search", launch, "a/b", "-cpu");
        Assert.Equal(2, name.ExitCode);
        Assert.Contains("NAME", name.Error, StringComparison.Ordinal);
        var split = CliRunner.Run("random-search", launch, "job", "-cpu", "--n_splits", "2", "--split", "5");
        Assert.Equal(2, split.ExitCode);
        Assert.Contains("--split", split.Error, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(launch));
    }
}
