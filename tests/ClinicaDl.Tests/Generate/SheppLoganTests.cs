using System.Globalization;
using ClinicaDl.Common;
using ClinicaDl.Generate;
using ClinicaDl.Outputs;
using ClinicaDl.Tests.Support;
using ClinicaDl.Tsv;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Generate;

/// <summary><c>generate shepplogan</c> end to end (verbs spec §6.1): every file and column, the phantom's geometry, and bad options.</summary>
public sealed class SheppLoganTests : IDisposable
{
    private readonly TempDir dir = new("shepplogan");

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Generate_WritesClinicaDlsFiles()
    {
        string output = dir.Combine("sl");
        var r = CliRunner.Run("generate", "shepplogan", output, "--n_subjects", "2", "--image_size", "32", "-Asd", "0", "0.5", "0.5", "--seed", "3");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("""
            {
                "img_size": 32,
                "labels_distribution": {
                    "AD": [
                        0.0,
                        0.5,
                        0.5
                    ],
                    "CN": [
                        1.0,
                        0.0,
                        0.0
                    ]
                },
                "samples": 2,
                "smoothing": false,
                "seed": 3
            }
            """, File.ReadAllText(Path.Combine(output, "commandline.json")));
        var data = TsvTable.Read(Path.Combine(output, "data.tsv"));
        Assert.Equal(["participant_id", "session_id", "diagnosis", "subtype"], data.Columns);
        Assert.Equal(["sub-CLNC00000", "sub-CLNC00001", "sub-CLNC10000", "sub-CLNC10001"], data.Rows.Select(x => x[0]));
        Assert.All(data.Rows, x => Assert.Equal("ses-M00", x[1]));
        Assert.Equal(["AD", "AD", "CN", "CN"], data.Rows.Select(x => x[2]));
        Assert.All(data.Rows.Take(2), x => Assert.Contains(x[3], new[] { "1", "2" }));
        Assert.All(data.Rows.Skip(2), x => Assert.Equal("0", x[3]));
        Assert.Equal("participant_id\tt1w\nsub-CLNC00000\t1\nsub-CLNC00001\t1\nsub-CLNC10000\t1\nsub-CLNC10001\t1\n",
            File.ReadAllText(Path.Combine(output, "missing_mods", "missing_mods_ses-M00.tsv")));
        string dataText = File.ReadAllText(Path.Combine(output, "data.tsv"));
        var lines = dataText.Split('\n');
        Assert.Equal(string.Join('\n', lines[..3]) + "\n", File.ReadAllText(Path.Combine(output, "labels", "AD.tsv")));
        Assert.Equal(lines[0] + "\n" + string.Join('\n', lines[3..]), File.ReadAllText(Path.Combine(output, "labels", "CN.tsv")));
        Assert.Equal(["sub-CLNC00000_ses-M00_phantom-SheppLogan.pt", "sub-CLNC00001_ses-M00_phantom-SheppLogan.pt",
            "sub-CLNC10000_ses-M00_phantom-SheppLogan.pt", "sub-CLNC10001_ses-M00_phantom-SheppLogan.pt"],
            Directory.GetFiles(Path.Combine(output, "subjects")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var scope = NewDisposeScope();
        foreach (var file in Directory.GetFiles(Path.Combine(output, "subjects")))
        {
            var t = PyTorchFile.LoadTensor(file);
            Assert.Equal(ScalarType.Float32, t.dtype);
            Assert.Equal([1L, 32, 32], t.shape);
            var values = t.data<float>().ToArray().Distinct().Order().ToList();
            // Without smoothing: background/ventricles 0, brain 0.2, one grey level in [0.4, 0.6], skull 1.
            Assert.Equal(4, values.Count);
            Assert.Equal([0f, 0.2f], values.Take(2));
            Assert.InRange(values[2], 0.4f, 0.6f);
            Assert.Equal(1f, values[3]);
        }
        Assert.Equal(4 + 1 + 1 + 2 + 1, Directory.GetFiles(output, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void Generate_SameSeed_SameFiles_OtherSeed_OtherImages()
    {
        string a = dir.Combine("a"), b = dir.Combine("b"), c = dir.Combine("c");
        Assert.Equal(0, CliRunner.Run("generate", "shepplogan", a, "--n_subjects", "2", "--image_size", "24", "--smoothing").ExitCode);
        Assert.Equal(0, CliRunner.Run("generate", "shepplogan", b, "--n_subjects", "2", "--image_size", "24", "--smoothing").ExitCode);
        Assert.Equal(0, CliRunner.Run("generate", "shepplogan", c, "--n_subjects", "2", "--image_size", "24", "--smoothing", "--seed", "1").ExitCode);
        string pt = Path.Combine("subjects", "sub-CLNC10001_ses-M00_phantom-SheppLogan.pt");
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, pt)), File.ReadAllBytes(Path.Combine(b, pt)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, pt)), File.ReadAllBytes(Path.Combine(c, pt)));
    }

    [Fact]
    public void Phantom_SkullIsCentredOnePixelBelowTheArrayCentre()
    {
        // S = 32: c0 = 16.5, a = 14.5, so the skull spans rows 3..30 (0.2.1's centre, V23); the brain is 0.5 pixel lower.
        var img = SheppLoganPhantom.Draw(32, 0, false, new RandomSource(0, "t"));
        Assert.Equal(0, img[2 * 32 + 16]);
        Assert.Equal(1, img[3 * 32 + 16]);
        Assert.Equal(0, img[31 * 32 + 16]);
        Assert.Equal(0, img[16 * 32 + 0]);
    }

    [Fact]
    public void Ellipse_IsStrictInside_AndRotationIsTakenModuloPi()
    {
        var img = new double[6 * 8];
        SheppLoganPhantom.Ellipse(img, 8, 2, 3, 1.5, 2.5, 0, 1);
        // Rows |r − 2| < 1.5 → 1, 2, 3; row 2: |c − 3| < 2.5 → 1..5; rows 1, 3: (1/1.5)² + (dc/2.5)² < 1 → |dc| ≤ 1.
        var inside = Enumerable.Range(0, 48).Where(i => img[i] == 1).Select(i => (i / 8, i % 8)).ToList();
        Assert.Equal([(1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (2, 4), (2, 5), (3, 2), (3, 3), (3, 4)], inside);
        var a = new double[64 * 64];
        var b = new double[64 * 64];
        SheppLoganPhantom.Ellipse(a, 64, 30, 31, 20, 7, -Math.PI / 8, 1);
        SheppLoganPhantom.Ellipse(b, 64, 30, 31, 20, 7, 7 * Math.PI / 8, 1);
        Assert.Equal(a, b);
    }

    [PythonFact("numpy", "scipy.ndimage")]
    public void GaussianFilter_MatchesScipy()
    {
        var rng = new RandomSource(1, "g");
        var img = Enumerable.Range(0, 20 * 20).Select(_ => rng.NextDouble()).ToArray();
        foreach (double sigma in new[] { 0.1, 0.7, 1.28, 3.0 })
        {
            var ours = SheppLoganPhantom.GaussianFilter(img, 20, sigma);
            string values = string.Join(",", img.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            string output = Python.Run("import sys, numpy as np, scipy.ndimage as nd\n" +
                "a = np.array([float(x) for x in sys.argv[1].split(',')]).reshape(20, 20)\n" +
                "print(','.join(repr(float(v)) for v in nd.gaussian_filter(a, float(sys.argv[2])).ravel()))",
                values, sigma.ToString("R", CultureInfo.InvariantCulture));
            var theirs = output.Trim().Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            for (int i = 0; i < ours.Length; i++) Assert.Equal(theirs[i], ours[i], 1e-12);
        }
    }

    [Fact]
    public void Output_IsReadByGetLabelsWithItsDefaultModality()
    {
        string output = dir.Combine("sl");
        Assert.Equal(0, CliRunner.Run("generate", "shepplogan", output, "--n_subjects", "2", "--image_size", "16").ExitCode);
        var r = CliRunner.Run("tsvtool", "getlabels", Path.Combine(output, "data.tsv"), Path.Combine(output, "missing_mods"), dir.Combine("labels"));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("The age or sex values were not found", r.Error);
        Assert.Equal("participant_id\tsession_id\tdiagnosis\nsub-CLNC00000\tses-M00\tAD\nsub-CLNC00001\tses-M00\tAD\n", File.ReadAllText(dir.Combine("labels", "AD.tsv")));
    }

    public static TheoryData<string, string[], string> BadOptions => new()
    {
        { "AD distribution not summing to 1", ["-Asd", "0.5", "0.4"], "--AD_subtypes_distribution: must be 1 to 3 probabilities" },
        { "four CN subtypes", ["-Csd", "0.25", "0.25", "0.25", "0.25"], "--CN_subtypes_distribution: must be 1 to 3 probabilities" },
        { "negative probability", ["-Csd", "1.5", "-0.5"], "--CN_subtypes_distribution" },
        { "not a number", ["-Asd", "half"], "--AD_subtypes_distribution: must be numbers, not 'half'" },
        { "image size 0", ["--image_size", "0"], "--image_size: must be an integer ≥ 1, not 0" },
        { "no subjects", ["--n_subjects", "0"], "--n_subjects" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptions_Exit2AndWriteNothing(string name, string[] extra, string fragment)
    {
        string output = dir.Combine("sl");
        var r = CliRunner.Run(["generate", "shepplogan", output, .. extra]);
        Assert.True(r.ExitCode == 2, $"{name}: {r.All}");
        Assert.Contains(fragment, r.Error);
        Assert.False(Directory.Exists(output), name);
    }

    [Fact]
    public void ExistingDataSet_IsKeptUnlessOverwrite_AndOtherFilesSurvive()
    {
        string output = dir.Combine("sl");
        Assert.Equal(0, CliRunner.Run("generate", "shepplogan", output, "--n_subjects", "1", "--image_size", "16").ExitCode);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        var before = File.ReadAllBytes(Path.Combine(output, "data.tsv"));
        var r = CliRunner.Run("generate", "shepplogan", output, "--n_subjects", "2", "--image_size", "16");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("already holds a data set", r.Error);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(output, "data.tsv")));
        Assert.Equal(0, CliRunner.Run("generate", "shepplogan", output, "--n_subjects", "2", "--image_size", "16", "--overwrite").ExitCode);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(output, "subjects")).Length);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }
}
