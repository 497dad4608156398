using ClinicaDl.Caps;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Outputs;
using ClinicaDl.Tests.Support;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>clinicadl extract image</c> (spec modes §6.3) and how training treats whole-image tensors (decision 1).</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class ExtractImageTests(SyntheticCapsFixture data)
{
    private static string SessionsTsv(string folder, params string[] participants)
    {
        string tsv = Path.Combine(folder, "sessions.tsv");
        Directory.CreateDirectory(folder);
        File.WriteAllText(tsv, "participant_id\tsession_id\n" + string.Concat(participants.Select(p => $"{p}\tses-M00\n")));
        return tsv;
    }

    private string FirstParticipant(string caps)
        => Path.GetFileName(Directory.GetDirectories(Path.Combine(caps, "subjects")).Order(StringComparer.Ordinal).First());

    [PythonFact("torch", "nibabel")]
    public void ExtractImage_WritesClinicasTensors_TorchLoadGivesTheImage()
    {
        string caps = data.CopyCaps("extract-image");
        string p = FirstParticipant(caps);
        string tsv = SessionsTsv(data.NewOutput("tsv"), p);
        var r = CliRunner.Run("extract", "image", caps, "t1-linear", "-tsv", tsv);
        Assert.True(r.ExitCode == 0, r.All);
        var layout = new CapsLayout(caps);
        string pt = layout.ImageTensorPath(p, "ses-M00");
        Assert.Equal($"{caps}/subjects/{p}/ses-M00/deeplearning_prepare_data/image_based/t1_linear/{p}_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.pt", pt);
        // Only the listed session was converted.
        Assert.Single(Directory.GetFiles(Path.Combine(caps, "subjects"), "*.pt", SearchOption.AllDirectories));
        string report = Python.Run("""
import sys, torch, nibabel as nib, numpy as np
t = torch.load(sys.argv[1])
expected = torch.from_numpy(nib.load(sys.argv[2]).get_fdata()).unsqueeze(0).float()
print(t.dtype, tuple(t.shape), torch.equal(t, expected))
""", pt, layout.ImagePath(p, "ses-M00")).Trim();
        Assert.Equal("torch.float32 (1, 169, 208, 179) True", report);

        // A second run refuses to replace what exists, naming it; --overwrite replaces it.
        var again = CliRunner.Run("extract", "image", caps, "t1-linear", "-tsv", tsv);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains(pt, again.Error);
        Assert.Contains("--overwrite", again.Error);
        Assert.Equal(0, CliRunner.Run("extract", "image", caps, "t1-linear", "-tsv", tsv, "--overwrite").ExitCode);
    }

    [Fact]
    public void ExtractImage_UncroppedImageMissing_Exit2NamingTheFile_WritesNothing()
    {
        string caps = data.CopyCaps("extract-uui");
        string p = FirstParticipant(caps);
        var r = CliRunner.Run("extract", "image", caps, "t1-linear", "--use_uncropped_image");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(new CapsLayout(caps).ImagePath(p, "ses-M00", cropped: false), r.Error);
        Assert.Empty(Directory.GetFiles(caps, "*.pt", SearchOption.AllDirectories));
        Assert.Equal(2, CliRunner.Run("extract", "image", caps, "t1-linear", "-np", "0").ExitCode);
    }

    [Fact]
    public void ToTensor_PutsFortranOrderedVoxelsAtTheirXyzIndex()
    {
        using var scope = NewDisposeScope();
        int[] shape = [3, 4, 5];
        var f = new float[60];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) for (int k = 0; k < 5; k++) f[i + 3 * (j + 4 * k)] = 100 * i + 10 * j + k;
        var t = ClinicaDl.Data.ImageTensorExport.ToTensor(f, shape);
        Assert.Equal(new long[] { 1, 3, 4, 5 }, t.shape);
        Assert.Equal(213f, t[0, 2, 1, 3].item<float>());
    }

    [Fact]
    public void Train_TensorOffTheGrid_RefusedBeforeOutputNamingFileAndShape()
    {
        string caps = data.CopyCaps("pt-off-grid");
        string p = FirstParticipant(caps);
        string pt = new CapsLayout(caps).ImageTensorPath(p, "ses-M00");
        Directory.CreateDirectory(Path.GetDirectoryName(pt)!);
        using (var scope = NewDisposeScope()) PyTorchFile.SaveTensor(pt, zeros(1, 121, 145, 121));
        string output = data.NewOutput("off-grid");
        var r = CliRunner.Run("train", "roi", "cnn", caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2", "--epochs", "1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(pt, r.Error);
        Assert.Contains("121×145×121", r.Error);
        Assert.False(Directory.Exists(output));
    }
}
