using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary>A <c>train image cnn</c> model opens in a PyTorch module written from spec modes §3.2 and gives our validation probabilities.</summary>
[Collection(SmallImageCapsCollection.Name)]
public sealed class ImageInteropTests(SmallImageCapsFixture data)
{
    [PythonFact("torch", "nibabel")]
    public void ModelBest_LoadsStrictInPyTorch_AndReproducesValidationProbabilities()
    {
        string output = data.TrainedCnn;
        string script = PythonImageModels.Source + """

import sys, csv, nibabel as nib
out, caps = sys.argv[1], sys.argv[2]
worst = 0.0
for selection in ("best_balanced_accuracy", "best_loss"):
    ckpt = torch.load(f"{out}/fold-0/models/{selection}/model_best.pth.tar")
    assert set(ckpt) >= {"model", "epoch", "valid_loss", "valid_acc"}, list(ckpt)
    model = image_cnn("Conv5_FC3_mni", dropout=0.5)
    model.load_state_dict(ckpt["model"], strict=True)
    model.eval()
    rows = list(csv.DictReader(open(f"{out}/fold-0/cnn_classification/{selection}/validation_image_level_prediction.tsv"), delimiter="\t"))
    assert len(rows) == 4, len(rows)
    for r in rows:
        p, s = r["participant_id"], r["session_id"]
        x = torch.from_numpy(nib.load(f"{caps}/subjects/{p}/{s}/t1_linear/{p}_{s}_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz").get_fdata(dtype="float32")).float()
        x = ((x - x.min()) / (x.max() - x.min())).reshape(1, 1, *x.shape)
        with torch.no_grad():
            proba = torch.softmax(model(x), dim=1)[0]
        worst = max(worst, abs(proba[0].item() - float(r["proba0"])), abs(proba[1].item() - float(r["proba1"])))
        assert int(r["predicted_label"]) == (0 if proba[0] >= proba[1] else 1)
print(worst)
""";
        string worst = Python.Run(script, output, data.Caps).Trim();
        Assert.True(double.Parse(worst, System.Globalization.CultureInfo.InvariantCulture) < 1e-5, $"largest probability difference {worst}");
    }

    /// <summary>A <c>train image cnn ... VConv5_FC3</c> model loads strict into the spec's PyTorch VConv5_FC3; in eval mode (z = mu) it gives
    /// our validation probabilities, and 0.2.1's <c>kl_divergence</c> (torch.distributions) summed over the validation sessions gives our <c>total_kl_loss</c>.</summary>
    [PythonFact("torch", "nibabel")]
    public void VariationalModelBest_LoadsStrictInPyTorch_AndReproducesValidationProbabilitiesAndKl()
    {
        string output = data.TrainedVariationalCnn;
        string script = PythonImageModels.Source + """

import sys, csv, nibabel as nib
out, caps = sys.argv[1], sys.argv[2]

def kl_divergence(z, mu, std):  # clinicadl 0.2.1, cnn_utils.py
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(std))
    q = torch.distributions.Normal(mu, std)
    return (q.log_prob(z) - p.log_prob(z)).mean(-1).sum()

worst, worst_kl = 0.0, 0.0
for selection in ("best_balanced_accuracy", "best_loss"):
    ckpt = torch.load(f"{out}/fold-0/models/{selection}/model_best.pth.tar")
    assert set(ckpt) >= {"model", "epoch", "valid_loss", "valid_acc"}, list(ckpt)
    model = image_cnn("VConv5_FC3", dropout=0.5)
    model.load_state_dict(ckpt["model"], strict=True)
    model.eval()
    folder = f"{out}/fold-0/cnn_classification/{selection}"
    rows = list(csv.DictReader(open(f"{folder}/validation_image_level_prediction.tsv"), delimiter="\t"))
    assert len(rows) == 4, len(rows)
    total_kl = 0.0
    for r in rows:
        p, s = r["participant_id"], r["session_id"]
        x = torch.from_numpy(nib.load(f"{caps}/subjects/{p}/{s}/t1_linear/{p}_{s}_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz").get_fdata(dtype="float32")).float()
        x = ((x - x.min()) / (x.max() - x.min())).reshape(1, 1, *x.shape)
        with torch.no_grad():
            z, mu, std, logits = model(x)
            total_kl += kl_divergence(z, mu, std).item()
        proba = torch.softmax(logits, dim=1)[0]
        worst = max(worst, abs(proba[0].item() - float(r["proba0"])), abs(proba[1].item() - float(r["proba1"])))
        assert int(r["predicted_label"]) == (0 if proba[0] >= proba[1] else 1)
    metrics = list(csv.DictReader(open(f"{folder}/validation_image_level_metrics.tsv"), delimiter="\t"))[0]
    ours = float(metrics["total_kl_loss"])
    worst_kl = max(worst_kl, abs(ours - total_kl) / max(abs(total_kl), 1e-12))
print(worst, worst_kl)
""";
        var report = Python.Run(script, output, data.VariationalCaps).Trim().Split(' ');
        double worst = double.Parse(report[0], System.Globalization.CultureInfo.InvariantCulture);
        double worstKl = double.Parse(report[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(worst < 1e-5, $"largest probability difference {report[0]}");
        Assert.True(worstKl < 1e-4, $"largest relative difference of total_kl_loss {report[1]}");
    }

    /// <summary><c>interpret group|individual</c> on a VConv5_FC3 folder explain the logits of z = mu (its eval-mode forward pass):
    /// the maps equal PyTorch autograd's on the spec's VConv5_FC3 with our weights, and a second run writes the same maps (nothing
    /// is sampled).</summary>
    [PythonFact("torch", "nibabel")]
    public void VariationalInterpret_MapsMatchPyTorchAutograd_AndDoNotSample()
    {
        string output = data.TrainedVariationalCnn;
        foreach (var (kind, name) in new[] { ("group", "vgrp"), ("individual", "vind"), ("group", "vgrp2") })
        {
            var run = CliRunner.Run("interpret", kind, output, name, "-cpu", "--threads", "1", "--batch_size", "3");
            Assert.True(run.ExitCode == 0, run.All);
        }
        string maps = Path.Combine(output, "fold-0", "gradients", "best_loss");
        Assert.Equal(File.ReadAllBytes(Path.Combine(maps, "vgrp", "map.npy")), File.ReadAllBytes(Path.Combine(maps, "vgrp2", "map.npy")));
        string script = PythonImageModels.Source + PythonSaliency.Source + """

import csv
out, caps, grp, ind = sys.argv[1:5]
vconv = image_cnn("VConv5_FC3")
vconv.load_state_dict(torch.load(f"{out}/fold-0/models/best_loss/model_best.pth.tar")["model"], strict=True)
vconv.eval()
class Logits(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner
    def forward(self, x):
        return self.inner(x)[3]
rows = list(csv.DictReader(open(f"{grp}/data.tsv"), delimiter="\t"))
assert len(rows) == 4, len(rows)
elements = [(r["participant_id"], r["session_id"], 0, whole_image(load_image(caps, r["participant_id"], r["session_id"]))) for r in rows]
assert elements[0][3].shape == (1, 161, 193, 161), elements[0][3].shape
print(check_maps(Logits(vconv), elements, grp, ind, None, 1))   # AD -> class 1
""";
        string worst = Python.RunWithErrors(script, output, data.VariationalCaps, Path.Combine(maps, "vgrp"), Path.Combine(maps, "vind")).Trim();
        Assert.True(double.Parse(worst.Split("\n")[0], System.Globalization.CultureInfo.InvariantCulture) < 1e-5, $"largest gradient difference {worst}");
    }
}
