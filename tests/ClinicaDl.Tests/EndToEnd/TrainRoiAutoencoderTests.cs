using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

[Collection(SyntheticCapsCollection.Name)]
public sealed class TrainRoiAutoencoderTests(SyntheticCapsFixture data)
{
    private string Train(string name, params string[] extra)
    {
        string output = data.NewOutput(name);
        var result = CliRunner.Run(["train", "roi", "autoencoder", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "2", "--batch_size", "4", "--threads", "1", .. extra]);
        Assert.True(result.ExitCode == 0, result.All);
        return output;
    }

    [Fact]
    public void Train_WritesTheAutoencoderTree_WithReconstructions()
    {
        string output = Train("ae", "--visualization");
        var expected = new List<string> { "commandline.json", "environment.txt", "training_summary.png", "fold-0/split.tsv", "fold-0/training.tsv", "fold-0/training.png", "fold-0/models/best_loss/model_best.pth.tar" };
        foreach (var subset in new[] { "train", "validation" })
            for (int k = 0; k < 6; k++)
            {
                expected.Add($"fold-0/autoencoder_reconstruction/{subset}/input-{k}.nii.gz");
                expected.Add($"fold-0/autoencoder_reconstruction/{subset}/output-{k}.nii.gz");
            }
        var files = Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f).Replace('\\', '/')).ToList();
        var events = files.Where(f => f.Contains("tfevents")).ToList();
        Assert.Equal(expected.Order(), files.Except(events).Order());
        Assert.Equal(2, events.Count);

        var training = TsvTable.Read(Path.Combine(output, "fold-0", "training.tsv"));
        Assert.Equal(["epoch", "iteration", "time", "loss_train", "loss_valid"], training.Columns);
        Assert.Equal(2, training.Rows.Count);
        var checkpoint = PyTorchFile.LoadCheckpoint(Path.Combine(output, "fold-0", "models", "best_loss", "model_best.pth.tar"));
        Assert.Equal(["model", "epoch", "valid_loss"], checkpoint.Keys);

        foreach (var subset in new[] { "train", "validation" })
        {
            var input = NiftiReader.Read(Path.Combine(output, "fold-0", "autoencoder_reconstruction", subset, "input-0.nii.gz"));
            var recon = NiftiReader.Read(Path.Combine(output, "fold-0", "autoencoder_reconstruction", subset, "output-0.nii.gz"));
            Assert.Equal([50, 50, 50], input.Shape);
            Assert.Equal([50, 50, 50], recon.Shape);
            Assert.Equal(0f, input.Data.Min());
            Assert.Equal(1f, input.Data.Max());
            Assert.True(recon.Data.Min() >= 0);
            // Element 0 is the right hippocampus cube of the first session: its first voxel (84, 71, 43) is at the image's place.
            var image = NiftiReader.ReadHeader(Path.Combine(data.Caps, "subjects", "sub-TRIV0", "ses-M00", "t1_linear",
                "sub-TRIV0_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz"));
            var expectedOrigin = image.Affine.Apply(84, 71, 43);
            Assert.Equal(expectedOrigin, input.Affine.Apply(0, 0, 0));
        }
    }

    [PythonFact("torch", "nibabel")]
    public void ModelBest_LoadsStrictInPyTorch_AndReproducesTheReconstruction()
    {
        string output = Train("ae-interop", "--visualization");
        // A continuous random ROI (no ties in max-pooling, whose tie-breaking differs between LibTorch builds), reconstructed here.
        string model = Path.Combine(output, "fold-0", "models", "best_loss", "model_best.pth.tar");
        string inputFile = Path.Combine(output, "probe-input.pt"), outputFile = Path.Combine(output, "probe-output.pt");
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            using var ae = new ClinicaDl.Networks.AutoEncoder();
            ClinicaDl.Training.ModelState.LoadStrict(ae, ClinicaDl.Training.ModelState.FromEntry(PyTorchFile.LoadCheckpoint(model)["model"], model, "model"), model);
            ae.eval();
            TorchSharp.torch.manual_seed(5);
            var x = TorchSharp.torch.rand(new long[] { 1, 1, 50, 50, 50 });
            using var noGrad = TorchSharp.torch.no_grad();
            PyTorchFile.SaveTensor(inputFile, x);
            PyTorchFile.SaveTensor(outputFile, ae.call(x));
        }
        string script = PythonModels.Conv4Fc3 + """

import sys, nibabel as nib, numpy as np
out, model_file, input_file, output_file = sys.argv[1:5]
model = AutoEncoder()
model.load_state_dict(torch.load(model_file)["model"], strict=True)
model.eval()
with torch.no_grad():
    probe = float((model(torch.load(input_file)) - torch.load(output_file)).abs().max())
# The visualization files: the same up to max-pooling ties (whole-number phantom intensities tie often).
close = total = 0
for k in range(6):
    x = torch.from_numpy(nib.load(f"{out}/fold-0/autoencoder_reconstruction/validation/input-{k}.nii.gz").get_fdata(dtype=np.float32)).reshape(1, 1, 50, 50, 50)
    ours = nib.load(f"{out}/fold-0/autoencoder_reconstruction/validation/output-{k}.nii.gz").get_fdata(dtype=np.float32)
    with torch.no_grad():
        theirs = model(x)[0, 0].numpy()
    close += int((np.abs(theirs - ours) < 1e-5).sum())
    total += theirs.size
print(probe, close / total)
""";
        var values = Python.Run(script, output, model, inputFile, outputFile).Trim().Split(' ')
            .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(values[0] < 1e-5, $"largest reconstruction difference {values[0]}");
        Assert.True(values[1] > 0.99, $"only {values[1]:P3} of the visualization voxels agree within 1e-5");
    }
}
