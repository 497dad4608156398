using System.Globalization;
using System.Text.Json;
using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Options;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary>A user's path through the Shepp-Logan phantoms (spec verbs §3.2, §6.1): <c>generate shepplogan</c> (4 + 4 phantoms of
/// 32×32), <c>tsvtool getlabels</c> and <c>kfold</c>, then one <c>random-search</c> job with <c>"mode": "image"</c> and
/// <c>"preprocessing": "shepplogan"</c>, trained once for the class.</summary>
public sealed class PhantomJobFixture : IDisposable
{
    private readonly TempDir dir = new("phantom-search");

    public PhantomJobFixture()
    {
        Data = dir.Combine("data");
        Labels = dir.Combine("labels");
        Run("generate", "shepplogan", Data, "--n_subjects", "4", "--image_size", "32", "--seed", "2");
        Run("tsvtool", "getlabels", Path.Combine(Data, "data.tsv"), Path.Combine(Data, "missing_mods"), Labels);
        Run("tsvtool", "kfold", Labels, "--n_splits", "2");
        Launch = RandomSearchTests.WriteLaunch(dir.Combine("search"), Data, Labels,
            ("\"mode\": \"roi\",", "\"mode\": \"image\","), ("\"preprocessing\": \"t1-linear\",", "\"preprocessing\": \"shepplogan\","), ("\"dropout\": [0, 0.5],", ""));
        var (job, doc) = RandomSearchTests.RunJob(Launch, 4);
        Job = job;
        CommandLine = doc;
    }

    /// <summary>The phantoms' folder (OUTPUT_DIR of generate shepplogan, CAPS_DIR of the job).</summary>
    public string Data { get; }

    /// <summary>The label folder of getlabels, split by kfold into 2 folds.</summary>
    public string Labels { get; }

    /// <summary>LAUNCH_DIR of the job.</summary>
    public string Launch { get; }

    /// <summary>The trained job's folder (fold 1).</summary>
    public string Job { get; }

    /// <summary>The job's commandline.json.</summary>
    public JsonDocument CommandLine { get; }

    /// <summary>A new empty folder for a test's outputs.</summary>
    public string NewFolder(string name)
    {
        string path = dir.Combine($"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static void Run(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.All);
    }

    public void Dispose()
    {
        CommandLine.Dispose();
        dir.Dispose();
    }
}

/// <summary><c>random-search</c> on the phantoms of <c>generate shepplogan</c>: the job's tree and keys, classify, the refusals
/// (other modes, missing or misshapen phantoms, <c>train image … shepplogan</c>), interpret's 2-D maps, and the checkpoint in PyTorch.</summary>
public sealed class RandomSearchPhantomTests(PhantomJobFixture data) : IClassFixture<PhantomJobFixture>
{
    [Fact]
    public void RandomSearch_Phantoms_TrainsA2DImageJob()
    {
        string job = data.Job;
        Assert.Equal(RandomSearchTests.ExpectedFiles("image"), RandomSearchTests.Files(job));
        OutputFiles.CheckAllParse(job);
        var root = data.CommandLine.RootElement;
        RandomSearchTests.CheckKeys(root); // image mode: no threshold, no keys of its own
        Assert.Equal("image", root.GetProperty("mode").GetString());
        Assert.Equal("shepplogan", root.GetProperty("preprocessing").GetString());
        Assert.Equal(data.Data, root.GetProperty("caps_dir").GetString());
        Assert.Equal(0.5, root.GetProperty("dropout").GetDouble()); // 0.2.1's image-mode default (V6)
        // Fold 1 of kfold: 2 + 2 phantoms in training, 2 + 2 in validation, one row each.
        var validation = File.ReadAllLines(Path.Combine(job, "fold-1", "cnn_classification", "best_loss", "validation_image_level_prediction.tsv"));
        Assert.StartsWith("participant_id\tsession_id\ttrue_label\tpredicted_label", validation[0], StringComparison.Ordinal);
        Assert.Equal(4, validation.Length - 1);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(job, "fold-1", "training.tsv")).Length); // header + 1 epoch

        // The checkpoint holds a 2-D network on one channel: conv0's weights are (out, 1, 3, 3) when n_conv is 1, else (1, 1, 3, 3) first.
        string checkpoint = Path.Combine(job, "fold-1", "models", "best_loss", "model_best.pth.tar");
        using (NewDisposeScope())
        {
            var state = ModelState.FromEntry(PyTorchFile.LoadCheckpoint(checkpoint)["model"], checkpoint, "model");
            var first = state.First(kv => kv.Key.StartsWith("features.conv0.0.", StringComparison.Ordinal) && kv.Key.EndsWith(".weight", StringComparison.Ordinal)).Value.shape;
            Assert.Equal(4, first.Length);
            Assert.Equal([1, 3, 3], first[1..]);
        }

        // classify rebuilds the job's network and reads the phantoms of CAPS_DIR.
        var classify = CliRunner.Run("classify", data.Data, Path.Combine(data.Labels, "validation_splits-2", "split-1"), job, "again", "-cpu", "--threads", "1");
        Assert.True(classify.ExitCode == 0, classify.All);
        var again = File.ReadAllLines(Path.Combine(job, "fold-1", "cnn_classification", "best_loss", "again_image_level_prediction.tsv"));
        static IEnumerable<string> Labels(IEnumerable<string> rows) => rows.Select(r => string.Join('\t', r.Split('\t')[..4])).Order(StringComparer.Ordinal);
        Assert.Equal(Labels(validation), Labels(again));
    }

    /// <summary><c>interpret group|individual</c> of the phantom job: 2-D maps as 0.2.1 writes them (<c>map.jpg</c>, <c>map.npy</c> of
    /// (H, W) for the group, (1, H, W) per session), equal to PyTorch autograd on the same network and inputs, and drawn in
    /// coolwarm on [−vmax, vmax]. Run in child processes: their thread count is not changed by other test classes.</summary>
    [PythonFact("torch", "PIL")]
    public void Interpret_Phantoms_WritesJpgMapsEqualToPyTorchAutograd()
    {
        // A copy of the job: the other tests check its tree.
        string job = Path.Combine(data.NewFolder("interpret"), "job");
        foreach (var file in Directory.GetFiles(data.Job, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(job, Path.GetRelativePath(data.Job, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        string gradients = Path.Combine(job, "fold-1", "gradients", "best_loss");
        InterpretInputs.Run("interpret", "group", job, "grp", "-cpu", "--threads", "1", "--batch_size", "3");
        InterpretInputs.Run("interpret", "individual", job, "ind", "-cpu", "--threads", "1", "--batch_size", "3");
        string grp = Path.Combine(gradients, "grp"), ind = Path.Combine(gradients, "ind");
        Assert.Equal(["commandline.json", "data.tsv", "map.jpg", "map.npy"], Directory.GetFiles(grp).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var sessions = File.ReadAllLines(Path.Combine(grp, "data.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(4, sessions.Count); // the 4 AD phantoms
        foreach (var f in sessions)
        {
            Assert.Equal(["map.jpg", "map.npy"], Directory.GetFiles(Path.Combine(ind, f[0], f[1])).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal([1, 32, 32], InterpretInputs.ReadNpy(Path.Combine(ind, f[0], f[1], "map.npy")).Shape); // g_i with its channel axis
        }
        var (shape, map) = InterpretInputs.ReadNpy(Path.Combine(grp, "map.npy"));
        Assert.Equal([32, 32], shape);

        // A colour range that saturates the strongest quarter of the map: those cells must be drawn red (positive) or blue.
        double vmax = map.Max(v => Math.Abs(v)) / 4;
        string vmaxText = vmax.ToString("R", CultureInfo.InvariantCulture);
        InterpretInputs.Run("interpret", "group", job, "vmax", "-cpu", "--threads", "1", "--vmax", vmaxText);
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(gradients, "vmax", "commandline.json"))))
            Assert.Equal(vmax, doc.RootElement.GetProperty("vmax").GetDouble(), 12);
        var area = ClinicaDl.Outputs.Plots.SaliencyFigure.ImageArea(32, 32);

        string inputs = InterpretInputs.Save(job, data.NewFolder("inputs"));
        string script = PythonModels.Conv4Fc3 + PythonRandomArchitecture.Source + PythonSaliency.Source + """

import json
job, grp, ind, inputs, vdir, vmax, left, top, width, height = sys.argv[1:11]
cl = json.load(open(f"{job}/commandline.json"))
model = from_commandline(cl, (1, 32, 32))
model.load_state_dict(torch.load(f"{job}/fold-1/models/best_loss/model_best.pth.tar")["model"], strict=True)
model.eval()
elements = load_inputs(inputs)
assert len(elements) == 4 and all(tuple(x.shape) == (1, 32, 32) for _, _, _, x in elements)
print(check_maps(model, elements, grp, ind, None, 1))   # AD -> class 1
m = np.load(f"{vdir}/map.npy")
assert np.array_equal(m, np.load(f"{grp}/map.npy"))
print(*map_colours(f"{vdir}/map.jpg", m, float(vmax), *map(float, (left, top, width, height))))
""";
        var lines = Python.RunWithErrors(script, job, grp, ind, inputs, Path.Combine(gradients, "vmax"), vmaxText,
            F(area.Left), F(area.Top), F(area.Width), F(area.Height)).Trim().Split('\n');
        double worst = double.Parse(lines[0], CultureInfo.InvariantCulture);
        Assert.True(worst < 1e-5, $"largest gradient difference {worst}");
        var colours = lines[1].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(colours[0] == 1 && colours[1] == 1 && colours[2] > 0.9, $"reddish share {colours[0]}, bluish share {colours[1]}, correlation {colours[2]}");
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("\"roi\"", "roi")]
    [InlineData("\"patch\"", "patch")]
    [InlineData("\"slice\"", "slice")]
    [InlineData("[\"image\", \"slice\"]", "slice")]
    public void RandomSearch_PhantomsInAnotherMode_Exit2NamingPreprocessing(string mode, string named)
    {
        string launch = Launch(data.Data, ("\"mode\": \"roi\",", $"\"mode\": {mode},"));
        var result = CliRunner.Run("random-search", launch, "job", "-cpu", "--n_splits", "2", "--split", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("key \"preprocessing\"", result.Error, StringComparison.Ordinal);
        Assert.Contains($"mode may be {named}", result.Error, StringComparison.Ordinal);
        Assert.Single(Directory.GetFileSystemEntries(launch));
    }

    [Fact]
    public void RandomSearch_MissingOrMisshapenPhantom_Exit2NamingTheFile()
    {
        string Copy()
        {
            string caps = Path.Combine(data.NewFolder("caps"), "data");
            Directory.CreateDirectory(Path.Combine(caps, "subjects"));
            foreach (var f in Directory.GetFiles(Path.Combine(data.Data, "subjects")))
                File.Copy(f, Path.Combine(caps, "subjects", Path.GetFileName(f)));
            return caps;
        }
        string Culprit(string caps) => Path.Combine(caps, "subjects", "sub-CLNC10002_ses-M00_phantom-SheppLogan.pt");

        var cases = new List<(string Caps, string Expected)>();
        string missing = Copy();
        File.Delete(Culprit(missing));
        cases.Add((missing, "phantom not found"));
        string smaller = Copy();
        using (NewDisposeScope()) PyTorchFile.SaveTensor(Culprit(smaller), zeros(1, 16, 16));
        cases.Add((smaller, "is 16×16; the first phantom"));
        string flat = Copy();
        using (NewDisposeScope()) PyTorchFile.SaveTensor(Culprit(flat), zeros(32, 32));
        cases.Add((flat, "tensor has shape (32, 32)"));
        foreach (var (caps, expected) in cases)
        {
            string launch = Launch(caps, ("\"mode\": \"roi\",", "\"mode\": \"image\","));
            var result = CliRunner.Run("random-search", launch, "job", "-cpu", "--n_splits", "2", "--split", "1");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains(Culprit(caps), result.Error, StringComparison.Ordinal);
            Assert.Contains(expected, result.Error, StringComparison.Ordinal);
            Assert.Single(Directory.GetFileSystemEntries(launch));
        }
    }

    /// <summary>0.2.1's train CLI does not take <c>shepplogan</c> (spec verbs §3.2); ours names the valid choice and says where
    /// phantoms are trained (random-search), in one line.</summary>
    [Fact]
    public void TrainImage_Shepplogan_Exit2()
    {
        string output = Path.Combine(data.NewFolder("train"), "out");
        var result = CliRunner.Run("train", "image", "cnn", data.Data, "shepplogan", data.Labels, output, "Conv5_FC3", "-cpu");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("PREPROCESSING: must be t1-linear, not 'shepplogan' (", result.Error, StringComparison.Ordinal);
        Assert.Contains("clinicadl random-search", result.Error, StringComparison.Ordinal);
        Assert.Contains("\"mode\": \"image\" and \"preprocessing\": \"shepplogan\"", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    /// <summary>The library refuses shepplogan for the named (3-D) image networks and for a random-search autoencoder, naming
    /// PREPROCESSING and random-search's cnn jobs; a random-search cnn (a RandomArchitecture) passes.</summary>
    [Fact]
    public void ImageOptionsCheck_ShepploganWithANamedModelOrAnAutoencoder_Refused()
    {
        var named = TrainOptions.Defaults(NetworkType.Cnn, data.Data, data.Labels, "out", new ImageOptions()) with { Preprocessing = PhantomImages.Preprocessing };
        var e = Assert.Throws<InvalidOptionException>(() => named.Mode.Check(named));
        Assert.Contains("PREPROCESSING", e.Message, StringComparison.Ordinal);
        Assert.Contains("random-search cnn job", e.Message, StringComparison.Ordinal);
        Assert.True(e.IsInputError);

        var job = CommandLineRecord.Read(Path.Combine(data.Job, "commandline.json"), data.Job);
        Assert.NotNull(job.Architecture);
        job.Mode.Check(job);
        var autoencoder = TrainOptions.Defaults(NetworkType.Autoencoder, data.Data, data.Labels, "out", new ImageOptions())
            with { Preprocessing = PhantomImages.Preprocessing, Architecture = job.Architecture };
        Assert.Contains("PREPROCESSING", Assert.Throws<InvalidOptionException>(() => autoencoder.Mode.Check(autoencoder)).Message, StringComparison.Ordinal);
    }

    /// <summary>The trained checkpoint loads with <c>strict=True</c> into the PyTorch RandomArchitecture written from spec §3.6, built
    /// 2-D from the job's commandline.json, and gives our logits on a phantom (min-max normalised as image mode does).</summary>
    [PythonFact("torch")]
    public void RandomSearch_PhantomCheckpoint_LoadsStrictInPyTorchWithOurLogits()
    {
        string job = data.Job;
        string checkpoint = Path.Combine(job, "fold-1", "models", "best_loss", "model_best.pth.tar");
        var session = new Session("sub-CLNC00001", "ses-M00", "AD", 1, Session.SingleCohort, data.Data);
        float[] ours;
        using (NewDisposeScope())
        {
            var options = CommandLineRecord.Read(Path.Combine(job, "commandline.json"), job);
            var input = new float[32 * 32];
            Assert.Equal(0, new PhantomElements([32, 32], normalise: true).Load(session, [input.AsMemory()]));
            using var network = NetworkFactory.Create(options, [32, 32]);
            ModelState.LoadStrict(network, ModelState.FromEntry(PyTorchFile.LoadCheckpoint(checkpoint)["model"], checkpoint, "model"), checkpoint);
            network.eval();
            using (no_grad())
                ours = network.call(tensor(input, [1, 1, 32, 32])).data<float>().ToArray();
        }

        string script = PythonModels.Conv4Fc3 + PythonRandomArchitecture.Source + """

import sys, json
job, phantom, checkpoint = sys.argv[1:4]
cl = json.load(open(f"{job}/commandline.json"))
x = torch.load(phantom)
assert x.dtype == torch.float32 and tuple(x.shape) == (1, 32, 32), (x.dtype, x.shape)
x = (x - x.min()) / (x.max() - x.min())
model = from_commandline(cl, tuple(x.shape))
model.load_state_dict(torch.load(checkpoint)["model"], strict=True)
model.eval()
with torch.no_grad():
    print(" ".join(repr(v) for v in model(x.unsqueeze(0))[0].tolist()))
""";
        var theirs = Python.Run(script, job, PhantomImages.PathOf(session), checkpoint).Trim().Split(' ')
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, theirs.Length);
        Assert.Equal(2, ours.Length);
        for (int i = 0; i < 2; i++)
            Assert.True(Math.Abs(ours[i] - theirs[i]) < 1e-5, $"logit {i}: ours {ours[i]}, PyTorch {theirs[i]}");
    }

    /// <summary>A phantom search like the fixture's on <paramref name="caps"/>, with <paramref name="edits"/> of the ROI template.</summary>
    private string Launch(string caps, params (string Old, string New)[] edits)
        => RandomSearchTests.WriteLaunch(data.NewFolder("search"), caps, data.Labels, [("\"preprocessing\": \"t1-linear\",", "\"preprocessing\": \"shepplogan\","), .. edits]);
}
