using ClinicaDl.Outputs;
using ClinicaDl.Tests.Support;
using ClinicaDl.Tsv;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.EndToEnd;

[Collection(SyntheticCapsCollection.Name)]
public sealed class ExtractAndClassifyTests(SyntheticCapsFixture data)
{
    private static readonly string[] Boxes = ["rightHippocampusBox", "leftHippocampusBox"];

    private string CopyCaps(string name) => data.CopyCaps(name);

    [PythonFact("torch")]
    public void ExtractRoi_WritesTorchLoadableTensors_AndTrainingReadsThem()
    {
        string caps = CopyCaps("extract");
        var r = CliRunner.Run(["extract", "roi", caps, "t1-linear", "--roi_list", .. Boxes]);
        Assert.True(r.ExitCode == 0, r.All);
        string file = Path.Combine(caps, "subjects", "sub-TRIV0", "ses-M00", "deeplearning_prepare_data", "roi_based", "t1_linear",
            "sub-TRIV0_ses-M00_T1w_space-MNI152NLin2009cSym_desc-CropRoi_res-1x1x1_roi-leftHippocampusBox_T1w.pt");
        Assert.True(File.Exists(file));
        string shape = Python.Run("import sys, torch; t = torch.load(sys.argv[1]); print(t.dtype, tuple(t.shape))", file).Trim();
        Assert.Equal("torch.float32 (1, 50, 50, 50)", shape);

        // Same tables from the tensors as from the images with the same masks.
        string fromTensors = data.NewOutput("from-tensors"), fromImages = data.NewOutput("from-images");
        string[] common = ["-cpu", "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1", "--roi_list", .. Boxes];
        Assert.Equal(0, CliRunner.Run(["train", "roi", "cnn", caps, "t1-linear", data.Labels, fromTensors, "Conv4_FC3", .. common, "--use_extracted_roi"]).ExitCode);
        Assert.Equal(0, CliRunner.Run(["train", "roi", "cnn", caps, "t1-linear", data.Labels, fromImages, "Conv4_FC3", .. common]).ExitCode);
        string table = Path.Combine("fold-0", "cnn_classification", "best_loss", "validation_roi_level_prediction.tsv");
        Assert.Equal(File.ReadAllText(Path.Combine(fromImages, table)), File.ReadAllText(Path.Combine(fromTensors, table)));
        // And the default cubes are the same ROIs as the hippocampus box masks.
        string cubes = data.NewOutput("cubes");
        Assert.Equal(0, CliRunner.Run(["train", "roi", "cnn", caps, "t1-linear", data.Labels, cubes, "Conv4_FC3", .. common[..^3]]).ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(fromImages, table)), File.ReadAllText(Path.Combine(cubes, table)));
    }

    [Fact]
    public void UseExtractedRoi_MissingTensors_NamesTheFirstFileAndTheCommand()
    {
        string output = data.NewOutput("no-tensors");
        var r = CliRunner.Run(["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2", "--split", "0",
            "--use_extracted_roi", "--roi_list", .. Boxes]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("desc-CropRoi_res-1x1x1_roi-rightHippocampusBox_T1w.pt", r.Error);
        Assert.Contains("clinicadl extract roi", r.Error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void WholeImageTensor_NewerThanTheNifti_IsRead()
    {
        string caps = CopyCaps("pt-images");
        // Replace every image by a .pt tensor holding the image reversed along x: the results must change.
        foreach (var nifti in Directory.GetFiles(Path.Combine(caps, "subjects"), "*_T1w.nii.gz", SearchOption.AllDirectories))
        {
            var image = ClinicaDl.Nifti.NiftiReader.Read(nifti);
            var (nx, ny, nz) = (image.SizeX, image.SizeY, image.SizeZ);
            var c = new float[image.Data.Length];
            for (int x = 0; x < nx; x++)
                for (int y = 0; y < ny; y++)
                    for (int z = 0; z < nz; z++)
                        c[(x * ny + y) * nz + z] = image.Data[(nx - 1 - x) + nx * (y + ny * z)];
            string p = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(nifti))))!;
            string s = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(nifti)))!;
            using var scope = NewDisposeScope();
            PyTorchFile.SaveTensor(new ClinicaDl.Caps.CapsLayout(caps).ImageTensorPath(p, s), tensor(c, [1, nx, ny, nz]));
        }
        string fromPt = data.NewOutput("from-pt"), fromNifti = data.NewOutput("from-nifti");
        string[] common = ["-cpu", "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1"];
        Assert.Equal(0, CliRunner.Run(["train", "roi", "cnn", caps, "t1-linear", data.Labels, fromPt, "Conv4_FC3", .. common]).ExitCode);
        Assert.Equal(0, CliRunner.Run(["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, fromNifti, "Conv4_FC3", .. common]).ExitCode);
        string table = Path.Combine("fold-0", "cnn_classification", "best_loss", "validation_roi_level_prediction.tsv");
        Assert.NotEqual(File.ReadAllText(Path.Combine(fromNifti, table)), File.ReadAllText(Path.Combine(fromPt, table)));
    }

    [Fact]
    public void Classify_ValidationSessions_ReproducesTrainingRowsExactly_AndRefusesTrainingSubjects()
    {
        string model = data.NewOutput("classify-model");
        Assert.Equal(0, CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, model, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "1", "--epochs", "2", "--batch_size", "4", "--threads", "1").ExitCode);
        string valid = Path.Combine(data.Labels, "validation_splits-2", "split-1");
        var r = CliRunner.Run("classify", data.Caps, valid, model, "heldout", "-cpu", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.All);
        foreach (var selection in new[] { "best_balanced_accuracy", "best_loss" })
        {
            string dir = Path.Combine(model, "fold-1", "cnn_classification", selection);
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "validation_roi_level_prediction.tsv")), File.ReadAllText(Path.Combine(dir, "heldout_roi_level_prediction.tsv")));
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "validation_image_level_prediction.tsv")), File.ReadAllText(Path.Combine(dir, "heldout_image_level_prediction.tsv")));
            Assert.True(File.Exists(Path.Combine(dir, "heldout_image_level_metrics.tsv")));
        }

        // Same prefix again: refused without --overwrite.
        var again = CliRunner.Run("classify", data.Caps, valid, model, "heldout", "-cpu");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--overwrite", again.Error);

        // Training subjects: data leakage.
        var leak = CliRunner.Run("classify", data.Caps, Path.Combine(data.Labels, "train_splits-2", "split-1", "AD.tsv"), model, "leak", "-cpu");
        Assert.Equal(2, leak.ExitCode);
        Assert.Contains("--skip_leak_check", leak.Error);

        // Without labels: predictions only.
        string unlabelled = Path.Combine(model, "sessions.tsv");
        var rows = TsvTable.Read(Path.Combine(valid, "AD_baseline.tsv")).Rows.Select(x => x[0] + "\t" + x[1]);
        File.WriteAllText(unlabelled, "participant_id\tsession_id\n" + string.Join("\n", rows) + "\n");
        var nolabels = CliRunner.Run("classify", data.Caps, unlabelled, model, "nolabels", "-cpu", "--threads", "1");
        Assert.True(nolabels.ExitCode == 0, nolabels.All);
        string best = Path.Combine(model, "fold-1", "cnn_classification", "best_loss");
        Assert.True(File.Exists(Path.Combine(best, "nolabels_image_level_prediction.tsv")));
        Assert.False(File.Exists(Path.Combine(best, "nolabels_image_level_metrics.tsv")));
        Assert.All(TsvTable.Read(Path.Combine(best, "nolabels_roi_level_prediction.tsv")).Rows, x => Assert.Equal("", x[3]));
    }
}
