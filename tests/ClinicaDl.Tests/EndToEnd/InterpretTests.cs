using System.Text.Json;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>clinicadl interpret group|individual</c> on a Conv4_FC3 trained on a noisy synthetic CAPS, checked against PyTorch autograd.</summary>
/// <remarks>
/// The images are <c>generate random</c>'s (phantom plus Gaussian noise), not the trivial phantoms: flat regions make
/// max-pooling windows of equal values, and which of the equal voxels receives the gradient depends on float details
/// of the convolutions (spec verbs §9b), so maps of flat images cannot match voxel by voxel between two libraries.
/// Run alone (not beside other test classes): another class's <c>set_num_threads</c> is process-wide, and a different
/// thread count changes the last bits of the convolutions, which can move the gradient to the other of two near-equal
/// voxels of a pooling window (seen once in CI: 17 voxels of one map 1.7e-5 off, every other map within 5e-11).
/// </remarks>
[Collection(SerialTorchCollection.Name)]
public sealed class InterpretTests : IDisposable
{
    private readonly TempDir dir = new("interpret");

    public void Dispose() => dir.Dispose();

    private static string Image(string caps, string p, string s)
        => Path.Combine(caps, "subjects", p, s, "t1_linear", $"{p}_{s}_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz");

    [PythonFact("torch", "nibabel")]
    public void Interpret_GroupAndIndividual_MatchPyTorchAutograd()
    {
        string caps = dir.Combine("caps");
        ClinicaDl.Runs.Generate.SyntheticCaps.Run(new ClinicaDl.Runs.Generate.GenerateOptions(ClinicaDl.Runs.Generate.GenerateMode.Random, caps, NSubjects: 3, Seed: 2, Workers: 2));
        string labels = Path.Combine(caps, "labels");
        ClinicaDl.Runs.TsvTool.KFoldSplitter.Run(new ClinicaDl.Runs.TsvTool.KFoldOptions(labels, NSplits: 2));
        var data = (Caps: caps, Labels: labels);
        string model = dir.Combine("model");
        var train = CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, model, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "1", "--epochs", "1", "--batch_size", "4", "--threads", "1");
        Assert.True(train.ExitCode == 0, train.All);
        string cwdData = Path.Combine(Environment.CurrentDirectory, "data.tsv");
        bool cwdDataBefore = File.Exists(cwdData);
        string template = Directory.GetFiles(Path.Combine(data.Caps, "subjects"), "*.nii.gz", SearchOption.AllDirectories)[0];

        // batch 4 does not divide the 6 elements (3 AD sessions × 2 ROIs): 0.2.1 crashed on the short last batch (V14).
        var group = CliRunner.Run("interpret", "group", model, "grp", "-cpu", "--threads", "1", "--batch_size", "4", "--nifti_template_path", template);
        Assert.True(group.ExitCode == 0, group.All);
        var individual = CliRunner.Run("interpret", "individual", model, "ind", "-cpu", "--threads", "1", "--batch_size", "4");
        Assert.True(individual.ExitCode == 0, individual.All);
        Assert.Equal(cwdDataBefore, File.Exists(cwdData)); // V11: data.tsv goes into the result folder

        string grp = Path.Combine(model, "fold-1", "gradients", "best_loss", "grp");
        string ind = Path.Combine(model, "fold-1", "gradients", "best_loss", "ind");
        Assert.Equal(["commandline.json", "data.tsv", "map.nii.gz", "map.npy", "map_roi-0.nii.gz", "map_roi-0.npy", "map_roi-1.nii.gz", "map_roi-1.npy"],
            Directory.GetFiles(grp).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(model, "fold-0")));
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(grp, "commandline.json"))))
        {
            var root = doc.RootElement;
            Assert.Equal("group", root.GetProperty("task").GetString());
            Assert.Equal("AD", root.GetProperty("target_diagnosis").GetString());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("keep_true").ValueKind);
            Assert.Equal(Path.GetFullPath(data.Labels), Path.GetFullPath(root.GetProperty("tsv_path").GetString()!));
        }
        var sessions = File.ReadAllLines(Path.Combine(grp, "data.tsv"));
        Assert.Equal("participant_id\tsession_id\tdiagnosis\tcohort", sessions[0]);
        Assert.Equal(3, sessions.Length - 1);
        Assert.All(sessions.Skip(1), l => Assert.Equal("AD", l.Split('\t')[2]));
        foreach (var line in sessions.Skip(1))
        {
            var f = line.Split('\t');
            Assert.Equal(["map_roi-0.nii.gz", "map_roi-0.npy", "map_roi-1.nii.gz", "map_roi-1.npy"],
                Directory.GetFiles(Path.Combine(ind, f[0], f[1])).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }

        string script = PythonModels.Conv4Fc3 + PythonSaliency.Source + """

import csv
model_dir, caps, grp, ind, template = sys.argv[1:6]
model = Conv4_FC3()
model.load_state_dict(torch.load(f"{model_dir}/fold-1/models/best_loss/model_best.pth.tar")["model"], strict=True)
model.eval()
rows = list(csv.DictReader(open(f"{grp}/data.tsv"), delimiter="\t"))
elements = [(r["participant_id"], r["session_id"], roi, default_roi(load_image(caps, r["participant_id"], r["session_id"]), roi))
            for r in rows for roi in (0, 1)]
assert all(x.shape == (1, 50, 50, 50) for _, _, _, x in elements)
print(check_maps(model, elements, grp, ind, "roi", 1, nib.load(template).affine))   # AD -> class 1
""";
        string worst = Python.RunWithErrors(script, model, data.Caps, grp, ind, template).Trim();
        Assert.True(double.Parse(worst.Split("\n")[0], System.Globalization.CultureInfo.InvariantCulture) < 1e-5, $"largest gradient difference {worst}");

        // --keep_true, both selections; then an existing NAME is refused and left as it was.
        var kept = CliRunner.Run("interpret", "group", model, "kept", "-cpu", "--threads", "1", "--keep_true", "yes", "--selection", "best_loss", "best_balanced_accuracy");
        Assert.True(kept.ExitCode == 0, kept.All);
        Assert.True(Directory.Exists(Path.Combine(model, "fold-1", "gradients", "best_balanced_accuracy", "kept")));
        long before = File.GetLastWriteTimeUtc(Path.Combine(grp, "map.npy")).Ticks;
        var again = CliRunner.Run("interpret", "group", model, "grp", "-cpu");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--overwrite", again.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(grp, "map.npy")).Ticks);

        // Bad input: exit 2, naming the culprit, nothing written.
        foreach (var (args, culprit) in new (string[], string)[]
        {
            (["interpret", "group", Path.Combine(model, "nowhere"), "x", "-cpu"], "MODEL_PATH"),
            (["interpret", "group", model, "x", "-cpu", "--nifti_template_path", Path.Combine(model, "none.nii")], "--nifti_template_path"),
            (["interpret", "group", model, "x", "-cpu", "--keep_true", "maybe"], "--keep_true"),
            (["interpret", "group", model, "x", "-cpu", "-d", "XX"], "--diagnosis"),
            (["interpret", "group", model, "x", "-cpu", "--tsv_path", Path.Combine(model, "nolabels")], "nolabels"),
            (["interpret", "group", model, "x", "-cpu", "-d", "CN", "--baseline"], "CN_baseline.tsv"),
            (["interpret", "individual", model, "a/b", "-cpu"], "NAME"),
        })
        {
            var bad = CliRunner.Run(args);
            Assert.True(bad.ExitCode == 2, $"{string.Join(" ", args)}: {bad.All}");
            Assert.Contains(culprit, bad.Error, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(model, "fold-1", "gradients", "best_loss", "x")));
        }
    }
}

/// <summary>Test classes whose numerics must not see another class change LibTorch's process-wide settings mid-run.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTorchCollection
{
    public const string Name = "serial torch";
}

