using System.Text.Json;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>clinicadl random-search</c> in roi mode on the synthetic CAPS (0.2.1 crashes there, V3).</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class RandomSearchTests(SyntheticCapsFixture data)
{
    /// <summary>A small ROI search: 2 blocks of 3 or 4 channels, 1–2 FC blocks, one epoch; <paramref name="edits"/> replace text of it.</summary>
    private string Launch(params (string Old, string New)[] edits) => WriteLaunch(data.NewOutput("search"), data.Caps, data.Labels, edits);

    /// <summary>Writes <c>random_search.json</c> into <paramref name="dir"/>: the small ROI search of <see cref="Launch"/> on
    /// <paramref name="caps"/>, with each edit's text replaced (it must be there).</summary>
    internal static string WriteLaunch(string dir, string caps, string labels, params (string Old, string New)[] edits)
    {
        Directory.CreateDirectory(dir);
        string text = $$"""
{
    "mode": "roi",
    "network_type": "cnn",
    "caps_dir": "{{caps}}",
    "tsv_path": "{{labels}}",
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
""";
        foreach (var (old, now) in edits)
        {
            Assert.Contains(old, text, StringComparison.Ordinal);
            text = text.Replace(old, now, StringComparison.Ordinal);
        }
        File.WriteAllText(Path.Combine(dir, "random_search.json"), text);
        return dir;
    }

    /// <summary>Runs job <c>job</c> of <paramref name="launch"/> on fold 1 (one thread, batch 4); returns its folder and commandline.json.</summary>
    internal static (string Job, JsonDocument CommandLine) RunJob(string launch, int seed)
    {
        var result = CliRunner.Run("random-search", launch, "job", "-cpu", "--n_splits", "2", "--split", "1", "--batch_size", "4", "--threads", "1",
            "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(result.ExitCode == 0, result.All);
        string job = Path.Combine(launch, "job");
        return (job, JsonDocument.Parse(File.ReadAllBytes(Path.Combine(job, "commandline.json"))));
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
        CheckKeys(root, "selection_threshold", "roi_list", "uncropped_roi", "use_extracted_roi");
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

    /// <summary>The mode and network_type lines of <see cref="Launch"/>'s file.</summary>
    private const string ModeAndNetwork = "\"mode\": \"roi\",\n    \"network_type\": \"cnn\",";

    [Theory]
    [InlineData("\"epochs\": 1,", "", "epochs")]
    [InlineData("\"mode\": \"roi\",", "\"mode\": \"subject-level\",", "mode")]
    [InlineData("\"network_normalization\": [\"BatchNorm\", \"InstanceNorm\"],", "\"network_normalization\": \"None\",", "network_normalization")]
    [InlineData("\"diagnoses\": [\"AD\", \"CN\"],", "\"diagnoses\": [\"AD\", \"XX\"],", "diagnoses")]
    [InlineData("\"mode\": \"roi\",", "\"mode\": \"patch\", \"patch_size\": [50, 170],", "patch_size")]
    [InlineData(ModeAndNetwork, "\"mode\": [\"roi\", \"patch\"], \"network_type\": \"multicnn\", \"patch_size\": 100, \"stride_size\": [50, 110],", "stride_size")]
    [InlineData(ModeAndNetwork, "\"mode\": \"image\", \"network_type\": [\"cnn\", \"multicnn\"],", "network_type")]
    [InlineData("\"mode\": \"roi\",", "\"mode\": \"slice\", \"unnormalize\": [false, true],", "unnormalize")]
    [InlineData("\"mode\": \"roi\",", "\"mode\": \"slice\", \"slice_direction\": [0, 2], \"discarded_slices\": [20, 85],", "discarded_slices")]
    [InlineData("\"mode\": \"roi\",", "\"mode\": \"slice\", \"slice_direction\": 3,", "slice_direction")]
    public void RandomSearch_BadJson_Exits2NamingTheKeyAndWritesNothing(string line, string replacement, string key)
    {
        string launch = Launch((line, replacement));
        var result = CliRunner.Run("random-search", launch, "job", "-cpu", "--n_splits", "2", "--split", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(key, result.Error, StringComparison.Ordinal);
        Assert.Contains("random_search.json", result.Error, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(launch));
    }

    /// <summary>0.2.1's keys of a random-search job's commandline.json (spec verbs §3.7), with the mode's keys in its draw order, then ours from <c>seed</c>.</summary>
    internal static void CheckKeys(JsonElement root, params string[] modeKeys)
    {
        Assert.Equal(["logname", "version", "task", "n_splits", "split", "use_cpu", "nproc", "batch_size", "evaluation_steps",
            "tsv_path", "caps_dir", "epochs", "patience", "tolerance", "diagnoses", "data_augmentation", "multi_cohort", "channels_limit",
            "use_extracted_patches", "use_extracted_slices", "mode", "network_type", "network_normalization", "n_fcblocks", "preprocessing",
            "baseline", "unnormalize", "learning_rate", "dropout", "accumulation_steps", "loss", "optimizer", "wd_bool", "weight_decay",
            "sampler", "transfer_learning_path", "transfer_learning_selection", .. modeKeys, "convolutions"],
            root.EnumerateObject().Select(p => p.Name).TakeWhile(k => k != "seed"));
        Assert.Equal("random-search", root.GetProperty("task").GetString());
        Assert.False(root.TryGetProperty("model", out _));
    }

    /// <summary>The output files of a job, without the event files.</summary>
    internal static List<string> Files(string job)
        => Directory.GetFiles(job, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(job, f).Replace('\\', '/'))
            .Where(f => !f.Contains("tfevents", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    /// <summary>A train-like tree for fold 1 with <paramref name="level"/>-level and image-level tables (image mode: image level only).</summary>
    internal static List<string> ExpectedFiles(string level)
    {
        var files = new List<string> { "commandline.json", "environment.txt", "training_summary.png", "fold-1/split.tsv", "fold-1/training.tsv", "fold-1/training.png" };
        foreach (var selection in new[] { "best_balanced_accuracy", "best_loss" })
        {
            files.Add($"fold-1/models/{selection}/model_best.pth.tar");
            foreach (var subset in new[] { "train", "validation" })
                foreach (var l in level == "image" ? new[] { "image" } : [level, "image"])
                    foreach (var kind in new[] { "prediction", "metrics" })
                        files.Add($"fold-1/cnn_classification/{selection}/{subset}_{l}_level_{kind}.tsv");
        }
        return files.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A patch job (4 patches of 50–55 voxels a side at stride 120, stride-2 blocks: no pooling ties), then interpret
    /// group and individual on it, checked against PyTorch autograd.</summary>
    [PythonFact("torch", "nibabel")]
    public void RandomSearch_Patch_TrainsAndItsMapsMatchPyTorchAutograd()
    {
        string launch = Launch(("\"mode\": \"roi\",", "\"mode\": \"patch\", \"patch_size\": [50, 55], \"stride_size\": 120, \"selection_threshold\": [0, 0.2],"),
            ("[\"MaxPooling\", \"stride\"]", "\"stride\""));
        var (job, doc) = RunJob(launch, 5);
        using var _ = doc;
        Assert.Equal(ExpectedFiles("patch"), Files(job));
        var root = doc.RootElement;
        CheckKeys(root, "patch_size", "selection_threshold", "stride_size");
        Assert.Equal("patch", root.GetProperty("mode").GetString());
        int ps = root.GetProperty("patch_size").GetInt32();
        Assert.InRange(ps, 50, 55);
        Assert.Equal(120, root.GetProperty("stride_size").GetInt32());
        Assert.InRange(root.GetProperty("selection_threshold").GetDouble(), 0, 0.2);
        var patches = System.IO.File.ReadAllLines(Path.Combine(job, "fold-1", "cnn_classification", "best_loss", "validation_patch_level_prediction.tsv"));
        Assert.Equal(["0", "1", "2", "3"], patches.Skip(1).Select(l => l.Split('\t')[2]).Distinct().Order(StringComparer.Ordinal));

        var group = CliRunner.Run("interpret", "group", job, "grp", "-cpu", "--threads", "1", "--batch_size", "3");
        Assert.True(group.ExitCode == 0, group.All);
        var individual = CliRunner.Run("interpret", "individual", job, "ind", "-cpu", "--threads", "1", "--batch_size", "3");
        Assert.True(individual.ExitCode == 0, individual.All);
        string grp = Path.Combine(job, "fold-1", "gradients", "best_loss", "grp");
        string ind = Path.Combine(job, "fold-1", "gradients", "best_loss", "ind");
        string[] perPatch = [.. Enumerable.Range(0, 4).SelectMany(k => new[] { $"map_patch-{k}.nii.gz", $"map_patch-{k}.npy" })];
        Assert.Equal(["commandline.json", "data.tsv", "map.nii.gz", "map.npy", .. perPatch], Directory.GetFiles(grp).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var session in Directory.GetDirectories(ind).SelectMany(Directory.GetDirectories))
            Assert.Equal(perPatch, Directory.GetFiles(session).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        string script = PythonModels.Conv4Fc3 + PythonRandomArchitecture.Source + PythonSaliency.Source + """

import csv, json
job, caps, grp, ind = sys.argv[1:5]
cl = json.load(open(f"{job}/commandline.json"))
ps, ss = cl["patch_size"], cl["stride_size"]
model = from_commandline(cl, (1, ps, ps, ps))
model.load_state_dict(torch.load(f"{job}/fold-1/models/best_loss/model_best.pth.tar")["model"], strict=True)
model.eval()
rows = list(csv.DictReader(open(f"{grp}/data.tsv"), delimiter="\t"))
assert [r["diagnosis"] for r in rows] == ["AD"] * 4, rows
elements = [(r["participant_id"], r["session_id"], k, x) for r in rows
            for k, x in enumerate(patches(load_image(caps, r["participant_id"], r["session_id"]), ps, ss))]
assert len(elements) == 16
print(check_maps(model, elements, grp, ind, "patch", 1, np.eye(4)))   # AD -> class 1; identity affine without a template
""";
        string worst = Python.RunWithErrors(script, job, data.Caps, grp, ind).Trim();
        Assert.True(double.Parse(worst.Split("\n")[0], System.Globalization.CultureInfo.InvariantCulture) < 1e-5, $"largest gradient difference {worst}");

        // multicnn models are not interpreted (as in 0.2.1): exit 2 naming MODEL_PATH, nothing written.
        string multi = Path.Combine(launch, "multi");
        Directory.CreateDirectory(multi);
        File.WriteAllText(Path.Combine(multi, "commandline.json"), File.ReadAllText(Path.Combine(job, "commandline.json"))
            .Replace("\"network_type\": \"cnn\"", "\"network_type\": \"multicnn\"", StringComparison.Ordinal));
        var refused = CliRunner.Run("interpret", "group", multi, "grp", "-cpu");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("multicnn", refused.Error, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(multi));
    }

    /// <summary>A slice job (sagittal, 3 slices kept, 2-D RandomArchitecture on the 3×224×224 slices), two epochs, and its 2-D maps.</summary>
    [Fact]
    public void RandomSearch_Slice_TrainsA2DRandomArchitecture()
    {
        string launch = Launch(("\"mode\": \"roi\",", "\"mode\": \"slice\", \"slice_direction\": [0], \"discarded_slices\": [83, 83],"),
            ("\"epochs\": 1,", "\"epochs\": 2,"), ("\"dropout\": [0, 0.5],", "\"dropout\": 0,"));
        var (job, doc) = RunJob(launch, 7);
        using var _ = doc;
        Assert.Equal(ExpectedFiles("slice"), Files(job));
        var root = doc.RootElement;
        CheckKeys(root, "discarded_slices", "selection_threshold", "slice_direction");
        Assert.Equal("slice", root.GetProperty("mode").GetString());
        Assert.Equal(83, root.GetProperty("discarded_slices").GetInt32());
        Assert.Equal(0, root.GetProperty("slice_direction").GetInt32());
        Assert.Equal(0, root.GetProperty("dropout").GetDouble());
        Assert.Equal(3, File.ReadAllLines(Path.Combine(job, "fold-1", "training.tsv")).Length); // header + 2 epochs
        // 169 sagittal slices − 2·83 = 3: slice ids 83, 84, 85.
        var slices = File.ReadAllLines(Path.Combine(job, "fold-1", "cnn_classification", "best_loss", "validation_slice_level_prediction.tsv"));
        Assert.Equal(["83", "84", "85"], slices.Skip(1).Select(l => l.Split('\t')[2]).Distinct().Order(StringComparer.Ordinal));
        // The checkpoint holds a 2-D network whose first convolution takes the three RGB planes: (out, 3, 3, 3).
        string checkpoint = Path.Combine(job, "fold-1", "models", "best_loss", "model_best.pth.tar");
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var state = ClinicaDl.Training.ModelState.FromEntry(ClinicaDl.Formats.PyTorch.PyTorchFile.LoadCheckpoint(checkpoint)["model"], checkpoint, "model");
            int width = root.GetProperty("convolutions").GetProperty("conv0").GetProperty("out_channels").GetInt32();
            var first = state.Where(kv => kv.Key.StartsWith("features.conv0.", StringComparison.Ordinal) && kv.Key.EndsWith(".weight", StringComparison.Ordinal) && kv.Value.dim() == 4)
                .Select(kv => kv.Value.shape).First();
            Assert.Contains(first[0], new long[] { 3, width }); // conv 3→3 first when n_conv is 2
            Assert.Equal(3, first[1]);
            Assert.Equal([3, 3], first[2..]);
        }

        // interpret writes 2-D maps: the group map and one per slice (jpg + npy of the first channel, 224×224).
        var interpret = CliRunner.Run("interpret", "group", job, "maps", "-cpu", "--threads", "1", "--batch_size", "4");
        Assert.True(interpret.ExitCode == 0, interpret.All);
        string maps = Path.Combine(job, "fold-1", "gradients", "best_loss", "maps");
        Assert.Equal(["commandline.json", "data.tsv", "map.jpg", "map.npy", .. new[] { 83, 84, 85 }.SelectMany(k => new[] { $"map_slice-{k}.jpg", $"map_slice-{k}.npy" })],
            Directory.GetFiles(maps).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([224, 224], InterpretInputs.ReadNpy(Path.Combine(maps, "map_slice-85.npy")).Shape);
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
