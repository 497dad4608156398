using System.Globalization;
using System.IO.Compression;
using ClinicaDl.Common;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Runs.QualityCheck;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Runs.QualityCheck;

/// <summary><c>quality-check t1-volume</c> (verbs spec §7.2): metrics against numpy/nibabel written from the spec, the three
/// filters, the 4-D template, and every refusal.</summary>
public sealed class T1VolumeQualityCheckTests : IDisposable
{
    private readonly TempDir dir = new("qcv");

    public void Dispose() => dir.Dispose();

    private static readonly int[] Grid = [12, 14, 10];
    private static readonly Affine Ixi = new(new double[,] { { 1.5, 0, 0, -9 }, { 0, 1.5, 0, -10 }, { 0, 0, 1.5, -7 }, { 0, 0, 0, 1 } });

    private static int Voxels => Grid[0] * Grid[1] * Grid[2];

    /// <summary>A gzip-compressed 4-D NIfTI of <paramref name="volumes"/> volumes on <see cref="Grid"/>, as clinica's DARTEL template.</summary>
    private static void WriteVolumes(string path, float[] data, int volumes)
    {
        string plain = path + ".tmp.nii";
        NiftiWriter.Write(plain, [Grid[0], Grid[1], Grid[2] * volumes], data, Ixi);
        byte[] bytes = File.ReadAllBytes(plain);
        File.Delete(plain);
        BitConverter.GetBytes((short)4).CopyTo(bytes, 40); // dim[0] = 4
        BitConverter.GetBytes((short)Grid[2]).CopyTo(bytes, 46); // dim[3] = Z
        BitConverter.GetBytes((short)volumes).CopyTo(bytes, 48); // dim[4] = T
        BitConverter.GetBytes(1f).CopyTo(bytes, 92); // pixdim[4]
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    private static float[] Field(int seed, Func<int, int, int, double, double> value)
    {
        var rng = new RandomSource(seed, "qc-volume");
        var data = new float[Voxels];
        for (int k = 0; k < Grid[2]; k++)
            for (int j = 0; j < Grid[1]; j++)
                for (int i = 0; i < Grid[0]; i++)
                    data[i + Grid[0] * (j + Grid[1] * k)] = (float)value(i, j, k, rng.NextDouble());
        return data;
    }

    /// <summary>A CAPS with a 3-volume template, an eyes mask, and grey-matter maps built to pass or fail each step.</summary>
    private (string Caps, string Eyes) Capsule()
    {
        string caps = dir.Combine("caps");
        var template = new float[Voxels * 3];
        for (int t = 0; t < 3; t++)
            Field(10 + t, (i, j, k, r) => Math.Max(0, 1 - Math.Abs(i - 6) / 6.0) * (0.3 + 0.2 * t) + 0.05 * r).CopyTo(template, t * Voxels);
        WriteVolumes(T1VolumeQualityCheck.TemplatePath(caps, "AD"), template, 3);
        string eyes = dir.Combine("eyes_segmentation.nii.gz");
        NiftiWriter.Write(eyes, Grid, Field(1, (i, j, k, _) => j > 8 && k < 5 ? 1 : 0), Ixi);
        // sub-01 passes everything; sub-02: max 0.9 (step 1); sub-03: dense map (step 2); sub-04: unlike the template (step 3);
        // sub-05: passes, same max as sub-01 (a tie keeps the session order); sub-06: no grey-matter map (not measured).
        var maps = new Dictionary<string, float[]>
        {
            ["sub-01"] = Field(2, (i, j, k, r) => i is > 2 and < 9 && (i + j) % 3 == 0 ? Math.Min(0.99, 0.5 + r) : 0),
            ["sub-02"] = Field(3, (i, j, k, r) => i is > 2 and < 9 && (i + j) % 3 == 0 ? 0.9 * r : 0),
            ["sub-03"] = Field(4, (i, j, k, r) => Math.Min(0.97, 0.4 + r)),
            ["sub-04"] = Field(5, (i, j, k, r) => (i < 3 || i > 8) && j <= 8 && (j + k) % 2 == 0 ? (r < 0.9 ? 0.1 : 0.96) : 0), // nothing in the eyes region
            ["sub-05"] = Field(6, (i, j, k, r) => i is > 2 and < 9 && (i + j + k) % 3 == 0 ? Math.Min(0.99, 0.5 + r) : 0),
        };
        foreach (var (participant, data) in maps)
        {
            string path = T1VolumeQualityCheck.GreyMatterPath(caps, participant, "ses-M00");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            NiftiWriter.Write(path, Grid, data, Ixi);
        }
        Directory.CreateDirectory(Path.Combine(caps, "subjects", "sub-06", "ses-M00", "t1"));
        return (caps, eyes);
    }

    [Fact]
    public void FourDimensionalTemplate_IsReadWithItsVolumes_OnlyWhenAskedFor()
    {
        string path = dir.Combine("template.nii.gz");
        var data = Enumerable.Range(0, Voxels * 2).Select(v => (float)v).ToArray();
        WriteVolumes(path, data, 2);
        var image = NiftiReader.ReadVolumes(path);
        Assert.Equal(Grid, image.Shape);
        Assert.Equal(2, image.Volumes);
        Assert.Equal(data, image.Data);
        var e = Assert.Throws<NiftiFormatException>(() => NiftiReader.Read(path));
        Assert.Contains("single volume", e.Message);
    }

    [Fact]
    public void Run_FiltersStepByStep_SortedByMaxIntensity_AndSaysHowManyEachStepRemoved()
    {
        var (caps, eyes) = Capsule();
        string output = dir.Combine("qc");
        var r = CliRunner.Run("quality-check", "t1-volume", caps, output, "AD", "--eyes_segmentation", eyes);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(T1VolumeQualityCheck.Columns, TsvTable.Read(Path.Combine(output, "QC_metrics.tsv")).Columns);
        string[] Participants(string file) => [.. TsvTable.Read(Path.Combine(output, file)).Rows.Select(row => row[0])];
        Assert.Equal(["sub-02", "sub-04", "sub-03", "sub-01", "sub-05"], Participants("QC_metrics.tsv"));
        Assert.Equal(["sub-04", "sub-03", "sub-01", "sub-05"], Participants("pass_step-1.tsv"));
        Assert.Equal(["sub-04", "sub-01", "sub-05"], Participants("pass_step-2.tsv"));
        Assert.Equal(["sub-01", "sub-05"], Participants("pass_step-3.tsv"));
        Assert.Contains("Number of sessions removed based on max intensity: 1", r.Output);
        Assert.Contains("Number of sessions removed based on non-zero voxels: 1", r.Output);
        Assert.Contains("Number of sessions removed based on frontal similarity with DARTEL template: 1", r.Output);
        Assert.Contains("is not ClinicaDL's eyes segmentation", r.Error); // our test mask, with a warning

        // A stricter step 3 (0.2.1's documented 0.40) is an option; the results exist, so --overwrite is needed.
        var again = CliRunner.Run("quality-check", "t1-volume", caps, output, "AD", "--eyes_segmentation", eyes, "--frontal_similarity_threshold", "0.99");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("QC_metrics.tsv", again.Error);
        Assert.Equal(["sub-01", "sub-05"], Participants("pass_step-3.tsv"));
        again = CliRunner.Run("quality-check", "t1-volume", caps, output, "AD", "--eyes_segmentation", eyes, "--frontal_similarity_threshold", "0.99", "--overwrite");
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Empty(Participants("pass_step-3.tsv"));
    }

    [PythonFact("numpy", "nibabel")]
    public void Metrics_AgreeWithNumpyAndNibabel_WrittenFromTheSpec()
    {
        var (caps, eyes) = Capsule();
        string output = dir.Combine("qc");
        var r = CliRunner.Run("quality-check", "t1-volume", caps, output, "AD", "--eyes_segmentation", eyes);
        Assert.True(r.ExitCode == 0, r.All);
        const string script = """
import sys, csv, numpy as np, nibabel as nib
caps, eyes_path, out = sys.argv[1:4]
def mi(a, b):
    h, _, _ = np.histogram2d(a.ravel(), b.ravel())
    p = h / h.sum(); px = p.sum(axis=1); py = p.sum(axis=0)
    nz = p > 0
    return float((p[nz] * np.log(p[nz] / np.outer(px, py)[nz])).sum())
eyes = nib.load(eyes_path).get_fdata()
t = nib.load(f"{caps}/groups/group-AD/t1/group-AD_template.nii.gz").get_fdata()
assert t.ndim == 4 and t.shape[3] == 3, t.shape
tseg = t.sum(axis=3) * eyes
worst = 0.0
for row in csv.DictReader(open(f"{out}/QC_metrics.tsv"), delimiter="\t"):
    p, s = row["participant_id"], row["session_id"]
    i = nib.load(f"{caps}/subjects/{p}/{s}/t1/spm/segmentation/normalized_space/{p}_{s}_T1w_segm-graymatter_space-Ixi549Space_modulated-off_probability.nii.gz").get_fdata()
    ie = i * eyes
    expected = (i.max(), np.count_nonzero(i) / i.size, 2 * mi(tseg, ie) / (mi(tseg, tseg) + mi(ie, ie)))
    got = (float(row["max_intensity"]), float(row["non_zero_percentage"]), float(row["frontal_similarity"]))
    worst = max([worst] + [abs(a - b) for a, b in zip(expected, got)])
print(worst)
""";
        double worst = double.Parse(Python.Run(script, caps, eyes, output).Trim(), CultureInfo.InvariantCulture);
        Assert.True(worst < 1e-12, $"largest difference from numpy: {worst}");
    }

    [Fact]
    public void BadInput_Exits2_NamingWhatIsWrong_AndWritesNothing()
    {
        var (caps, eyes) = Capsule();
        string output = dir.Combine("qc");
        void Refused(string expected, params string[] args)
        {
            var r = CliRunner.Run(["quality-check", "t1-volume", .. args]);
            Assert.True(r.ExitCode == 2, r.All);
            Assert.StartsWith("clinicadl: error: ", r.Error);
            Assert.Contains(expected, r.Error);
            Assert.False(Directory.Exists(output), "nothing may be written");
        }
        Refused("eyes_segmentation.nii.gz", caps, output, "AD", "--eyes_segmentation", dir.Combine("missing.nii.gz"));
        Refused("group-CN_template.nii.gz", caps, output, "CN", "--eyes_segmentation", eyes);
        Refused("GROUP_LABEL", caps, output, "../AD", "--eyes_segmentation", eyes);
        Refused("CAPS folder not found", dir.Combine("nocaps"), output, "AD", "--eyes_segmentation", eyes);
        Refused("--frontal_similarity_threshold", caps, output, "AD", "--eyes_segmentation", eyes, "--frontal_similarity_threshold", "2");

        // A grey-matter map on another grid is named before anything is written.
        string odd = T1VolumeQualityCheck.GreyMatterPath(caps, "sub-03", "ses-M00");
        NiftiWriter.Write(odd, [12, 14, 9], new float[12 * 14 * 9], Ixi);
        Refused("sub-03_ses-M00_T1w_segm-graymatter", caps, output, "AD", "--eyes_segmentation", eyes);
    }
}
