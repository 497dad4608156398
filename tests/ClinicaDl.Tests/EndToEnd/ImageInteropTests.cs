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
}
