using System.Globalization;
using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Runs.QualityCheck;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Runs.QualityCheck;

/// <summary><c>quality-check t1-linear</c> (verbs spec §7.1): network keys, the whole run against a PyTorch network and input
/// preparation written from the spec, output table, and every refusal.</summary>
public sealed class T1LinearQualityCheckTests : IDisposable
{
    private readonly TempDir dir = new("qc");

    public void Dispose() => dir.Dispose();

    private static readonly int[] Shape = [37, 45, 33];

    /// <summary>A CAPS with uncropped t1-linear images (small grids: nothing in the check depends on clinica's 193×229×193).</summary>
    private string Caps(params string[] participants)
    {
        string caps = dir.Combine("caps");
        var layout = new CapsLayout(caps);
        foreach (var (participant, n) in participants.Select((p, n) => (p, n)))
        {
            var rng = new RandomSource(n, "qc-image");
            var data = new float[Shape[0] * Shape[1] * Shape[2]];
            for (int k = 0; k < Shape[2]; k++)
                for (int j = 0; j < Shape[1]; j++)
                    for (int i = 0; i < Shape[0]; i++)
                    {
                        double r = Math.Sqrt(Math.Pow((i - 18.0) / 15, 2) + Math.Pow((j - 22.0) / (17 + n), 2) + Math.Pow((k - 16.0) / 13, 2));
                        data[i + Shape[0] * (j + Shape[1] * k)] = (float)((r < 1 ? 100 * (1.2 - r) : 5) + 10 * rng.NextDouble());
                    }
            string path = layout.ImagePath(participant, "ses-M00", cropped: false);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            NiftiWriter.Write(path, Shape, data, new Affine(new double[,] { { 1, 0, 0, -18 }, { 0, 1, 0, -22 }, { 0, 0, 1, -16 }, { 0, 0, 0, 1 } }));
        }
        return caps;
    }

    /// <summary>Weights from our own network, randomly initialised, saved as a plain state dict.</summary>
    private string OurWeights()
    {
        string path = dir.Combine("weights.pth.tar");
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var model = new ResNetQc();
        PyTorchFile.Save(path, ModelState.StateDict(model));
        return path;
    }

    [Fact]
    public void ResNetQc_HasClinicaDlsKeysAndSize()
    {
        using var model = new ResNetQc();
        var keys = ModelState.PyTorchOrder(model, model.state_dict().Keys).ToList();
        Assert.Equal(150, keys.Count);
        Assert.Equal(12_026_146, model.parameters().Sum(p => p.numel()));
        Assert.Equal(["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
            "layer1.0.conv1.weight", "layer1.0.bn1.weight"], keys.Take(8));
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.Contains("layer4.0.downsample.1.running_var", keys);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", keys);
        Assert.Equal(["addon.0.weight", "addon.0.bias", "addon.1.weight"], keys.Where(k => k.StartsWith("addon", StringComparison.Ordinal)).Take(3));
        Assert.Equal(["addon.13.weight", "addon.13.bias"], keys.TakeLast(2));
        Assert.Equal([32L, 32, 7, 7], model.state_dict()["addon.6.weight"].shape);
    }

    [Fact]
    public void Run_WritesTheTableSortedByProbability()
    {
        string caps = Caps("sub-A", "sub-B", "sub-C");
        string output = dir.Combine("qc", "result.tsv");
        var r = CliRunner.Run("quality-check", "t1-linear", caps, output, "--weights", OurWeights(), "-cpu", "--batch_size", "2", "--threshold", "0.4");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("is not ClinicaDL's QC model", r.Error);
        var table = TsvTable.Read(output);
        Assert.Equal(["participant_id", "session_id", "pass_probability", "pass"], table.Columns);
        Assert.Equal(["sub-A", "sub-B", "sub-C"], table.Rows.Select(x => x[0]).Order(StringComparer.Ordinal));
        var p = table.Rows.Select(x => double.Parse(x[2], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(p.OrderByDescending(x => x), p);
        Assert.All(table.Rows, x => Assert.Equal("ses-M00", x[1]));
        Assert.All(table.Rows, x => Assert.Equal(double.Parse(x[2], CultureInfo.InvariantCulture) > 0.4 ? "True" : "False", x[3]));
        Assert.All(p, x => Assert.InRange(x, 0, 1));
        // 0.2.1's path to the same verb; a -tsv selects sessions.
        File.WriteAllText(dir.Combine("one.tsv"), "participant_id\tsession_id\nsub-B\tses-M00\n");
        r = CliRunner.Run("preprocessing", "quality-check", "t1-linear", caps, dir.Combine("one", "r.tsv"), "--weights", dir.Combine("weights.pth.tar"),
            "-cpu", "-tsv", dir.Combine("one.tsv"));
        Assert.True(r.ExitCode == 0, r.All);
        var one = TsvTable.Read(dir.Combine("one", "r.tsv"));
        Assert.Equal("sub-B", Assert.Single(one.Rows)[0]);
        Assert.Equal(table.Rows.Single(x => x[0] == "sub-B")[2], one.Rows[0][2]);
    }

    public static TheoryData<string, Func<T1LinearQualityCheckTests, string[]>, string> BadCases => new()
    {
        { "no weights", t => [t.Caps("sub-A"), t.dir.Combine("o", "r.tsv"), "-cpu", "--weights", t.dir.Combine("none.pth.tar")],
            "QC network weights not found. quality-check t1-linear needs ClinicaDL's resnet18.pth.tar" },
        { "weights of another network", t => [t.Caps("sub-A"), t.dir.Combine("o", "r.tsv"), "-cpu", "--weights", t.Conv4Fc3Weights()], "does not fit this network" },
        { "weights not a PyTorch file", t => [t.Caps("sub-A"), t.dir.Combine("o", "r.tsv"), "-cpu", "--weights", t.Text("w.pth.tar", "hello")], "is not a PyTorch file" },
        // The inputs are checked before the weights are read: a placeholder file is enough to get there.
        { "output not a .tsv", t => [t.Caps("sub-A"), t.dir.Combine("o", "r.csv"), "-cpu", "--weights", t.Text("w.pth.tar", "x")], "OUTPUT_TSV: must be a path to a .tsv file" },
        { "missing image", t => [t.CapsWithoutImage(), t.dir.Combine("o", "r.tsv"), "-cpu", "--weights", t.Text("w.pth.tar", "x")], "uncropped t1-linear image of sub-B/ses-M00 not found" },
        { "missing CAPS", t => [t.dir.Combine("nocaps"), t.dir.Combine("o", "r.tsv"), "-cpu", "--weights", t.Text("w.pth.tar", "x")], "CAPS folder not found" },
        { "bad threshold", t => [t.Caps("sub-A"), t.dir.Combine("o", "r.tsv"), "-cpu", "--threshold", "high"], "--threshold: must be a number" },
        { "bad batch size", t => [t.Caps("sub-A"), t.dir.Combine("o", "r.tsv"), "-cpu", "--batch_size", "0"], "--batch_size: must be an integer ≥ 1" },
    };

    private string Conv4Fc3Weights()
    {
        string path = dir.Combine("conv4.pth.tar");
        using var model = new Conv4Fc3();
        PyTorchFile.Save(path, ModelState.StateDict(model));
        return path;
    }

    private string Text(string name, string content)
    {
        File.WriteAllText(dir.Combine(name), content);
        return dir.Combine(name);
    }

    private string CapsWithoutImage()
    {
        string caps = Caps("sub-A");
        Directory.CreateDirectory(Path.Combine(caps, "subjects", "sub-B", "ses-M00", "t1_linear"));
        return caps;
    }

    [Theory]
    [MemberData(nameof(BadCases))]
    public void BadInput_Exit2AndWriteNothing(string name, Func<T1LinearQualityCheckTests, string[]> args, string fragment)
    {
        var r = CliRunner.Run(["quality-check", "t1-linear", .. args(this)]);
        Assert.True(r.ExitCode == 2, $"{name}: {r.All}");
        Assert.Contains(fragment, r.Error);
        Assert.False(Directory.Exists(dir.Combine("o")), name);
    }

    [Fact]
    public void MissingWeights_SayWhere0_2_1GotThem()
    {
        var r = CliRunner.Run("quality-check", "t1-linear", Caps("sub-A"), dir.Combine("r.tsv"), "-cpu", "--weights", dir.Combine("none.pth.tar"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(T1LinearQualityCheck.WeightsUrl, r.Error);
        Assert.Contains(T1LinearQualityCheck.WeightsSha256, r.Error);
        Assert.Contains("--weights PATH", r.Error);
    }

    [Fact]
    public void ExistingOutput_IsKeptUnlessOverwrite()
    {
        string caps = Caps("sub-A");
        string output = dir.Combine("r.tsv");
        File.WriteAllText(output, "mine\n");
        var r = CliRunner.Run("quality-check", "t1-linear", caps, output, "-cpu", "--weights", Text("w.pth.tar", "x"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("already exists", r.Error);
        Assert.Equal("mine\n", File.ReadAllText(output));
    }

    [Fact]
    public void NoGpuWithoutCpuFlag_Exit2()
    {
        if (cuda.is_available()) return;
        var r = CliRunner.Run("quality-check", "t1-linear", Caps("sub-A"), dir.Combine("r.tsv"), "--weights", Text("w.pth.tar", "x"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("Please add the -cpu flag", r.Error);
    }

    [Theory]
    [InlineData("preprocessing", "run", "t1-linear", "bids", "caps", "-np", "4")]
    [InlineData("preprocessing", "run", "t1-extensive", "caps")]
    [InlineData("preprocessing", "run")]
    [InlineData("preprocessing", "extract-tensor", "caps", "t1-linear", "image")]
    public void NotOfferedVerbs_Exit2WithTheReason(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("clinicadl: error: ", r.Error);
        Assert.Contains(args[1] == "run" ? "clinica" : "not needed", r.Error);
        Assert.Single(r.Error.TrimEnd('\n').Split('\n'));
    }

    /// <summary>The spec's network and input preparation in PyTorch/numpy/scipy; prints JSON with the reference probabilities
    /// and the largest difference between our slices and theirs.</summary>
    private const string Reference = """
import sys, json, numpy as np, torch, torch.nn as nn, nibabel as nib
from scipy import ndimage

class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False); self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False); self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))

class ResNetQC(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False); self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        def layer(i, o, s): return nn.Sequential(BasicBlock(i, o, s), BasicBlock(o, o, 1))
        self.layer1, self.layer2, self.layer3, self.layer4 = layer(64, 64, 1), layer(64, 128, 2), layer(128, 256, 2), layer(256, 512, 2)
        self.addon = nn.Sequential(nn.Conv2d(1536, 512, 1), nn.BatchNorm2d(512), nn.ReLU(), nn.Conv2d(512, 32, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 7), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 32, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.Dropout2d(0.5), nn.Conv2d(32, 2, 1))
    def forward(self, x):
        b = x.shape[0]
        x = x.view(b * 3, 1, 224, 224)
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.addon(x.view(b, 1536, 7, 7)).view(b, 2)

def nii_transform(path):
    v = np.asanyarray(nib.load(path).dataobj)
    v = (v - v.min()) * (1 / (v.max() - v.min())) - 0.5
    X, Y, Z = v.shape
    out = []
    for s in (v[:, :, int(Z / 2)], v[int(X / 2), :, :], v[:, int(Y / 2), :]):
        s = s[::-1, :]
        f = min(256 / s.shape[0], 256 / s.shape[1])
        r = ndimage.zoom(s.astype(np.float64), (round(s.shape[0] * f) / s.shape[0], round(s.shape[1] * f) / s.shape[1]), order=1,
                         mode="grid-constant", grid_mode=True, prefilter=False)
        d = np.zeros((256, 256)); h, w = r.shape
        d[(256 - h) // 2:(256 - h) // 2 + h, (256 - w) // 2:(256 - w) // 2 + w] = r
        out.append(np.fliplr(np.rot90(d[16:240, 16:240])))
    return torch.from_numpy(np.stack(out).astype(np.float32)).unsqueeze(0)

mode, weights = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
model = ResNetQC()
if mode == "make":
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1); m.running_var.uniform_(0.5, 1.5); m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.1, 0.1)
                m.num_batches_tracked.fill_(7)
        model.addon[13].weight.mul_(0.05)
    torch.save(model.state_dict(), weights)
    sys.exit(0)
model.load_state_dict(torch.load(weights), strict=True)
model.eval()
result = {}
with torch.no_grad():
    for path, ours in zip(sys.argv[3::2], sys.argv[4::2]):
        x = nii_transform(path)
        mine = torch.load(ours)
        result[path] = {"p": torch.softmax(model(x.unsqueeze(0)), 1)[0, 1].item(), "slices": (x[0] - mine).abs().max().item()}
print(json.dumps(result))
""";

    [PythonFact("torch", "nibabel", "scipy.ndimage")]
    public void Run_MatchesThePyTorchNetworkWrittenFromTheSpec()
    {
        string caps = Caps("sub-A", "sub-B");
        string weights = dir.Combine("torch-weights.pth.tar");
        Python.Run(Reference, "make", weights);
        string output = dir.Combine("r.tsv");
        var r = CliRunner.Run("quality-check", "t1-linear", caps, output, "--weights", weights, "-cpu", "--batch_size", "2");
        Assert.True(r.ExitCode == 0, r.All);
        var layout = new CapsLayout(caps);
        var args = new List<string> { "compare", weights };
        foreach (string p in new[] { "sub-A", "sub-B" })
        {
            string image = layout.ImagePath(p, "ses-M00", cropped: false), slices = dir.Combine(p + "-slices.pt");
            using (NewDisposeScope())
                PyTorchFile.SaveTensor(slices, tensor(QcSlices.From(NiftiReader.Read(image)), [3L, QcSlices.Side, QcSlices.Side]));
            args.AddRange([image, slices]);
        }
        using var json = System.Text.Json.JsonDocument.Parse(Python.Run(Reference, [.. args]));
        var table = TsvTable.Read(output);
        var probabilities = new List<double>();
        foreach (var row in table.Rows)
        {
            var reference = json.RootElement.GetProperty(layout.ImagePath(row[0], "ses-M00", cropped: false));
            Assert.InRange(reference.GetProperty("slices").GetDouble(), 0, 1e-5);
            double expected = reference.GetProperty("p").GetDouble(), ours = double.Parse(row[2], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(expected - ours) <= 1e-5, $"{row[0]}: ours {ours}, PyTorch {expected}");
            probabilities.Add(ours);
        }
        // Weights that give probabilities away from 0 and 1, so the comparison means something.
        Assert.Contains(probabilities, p => p is > 0.01 and < 0.99);
    }
}
