using System.Text.Json;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>clinicadl random-search</c> in image mode on the small image CAPS (97×129×97), then <c>interpret group|individual</c>
/// on the job, checked against PyTorch autograd.</summary>
/// <remarks>The trivial phantoms are flat, so max-pooling windows hold equal values whose winner depends on float details
/// (see <see cref="InterpretTests"/>): the job uses stride-2 blocks only, which have no such ties.</remarks>
[Collection(SmallImageCapsCollection.Name)]
public sealed class RandomSearchImageTests(SmallImageCapsFixture data)
{
    [PythonFact("torch", "nibabel")]
    public void RandomSearch_Image_TrainsAndItsMapsMatchPyTorchAutograd()
    {
        string launch = RandomSearchTests.WriteLaunch(data.NewOutput("search-image"), data.Caps, data.Labels,
            ("\"mode\": \"roi\",", "\"mode\": \"image\","), ("\"dropout\": [0, 0.5],", ""), ("\"n_convblocks\": 2,", "\"n_convblocks\": 3,"),
            ("\"first_conv_width\": [3, 4],", "\"first_conv_width\": [2, 3],"), ("[\"MaxPooling\", \"stride\"]", "\"stride\""), ("\"n_fcblocks\": [1, 2]", "\"n_fcblocks\": 1"));
        var (job, doc) = RandomSearchTests.RunJob(launch, 11);
        using (doc)
        {
            Assert.Equal(RandomSearchTests.ExpectedFiles("image"), RandomSearchTests.Files(job));
            var root = doc.RootElement;
            RandomSearchTests.CheckKeys(root); // image mode samples no threshold and has no keys of its own
            Assert.Equal("image", root.GetProperty("mode").GetString());
            Assert.Equal(0.5, root.GetProperty("dropout").GetDouble()); // 0.2.1's image-mode default (V6)
        }

        string template = Directory.GetFiles(Path.Combine(data.Caps, "subjects"), "*.nii.gz", SearchOption.AllDirectories)[0];
        // batch 3 does not divide the 4 AD sessions (0.2.1 crashed on the short last batch, V14).
        var group = CliRunner.Run("interpret", "group", job, "grp", "-cpu", "--threads", "1", "--batch_size", "3", "--nifti_template_path", template);
        Assert.True(group.ExitCode == 0, group.All);
        var individual = CliRunner.Run("interpret", "individual", job, "ind", "-cpu", "--threads", "1", "--batch_size", "3");
        Assert.True(individual.ExitCode == 0, individual.All);
        string grp = Path.Combine(job, "fold-1", "gradients", "best_loss", "grp");
        string ind = Path.Combine(job, "fold-1", "gradients", "best_loss", "ind");
        Assert.Equal(["commandline.json", "data.tsv", "map.nii.gz", "map.npy"], Directory.GetFiles(grp).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var sessions = Directory.GetDirectories(ind).SelectMany(Directory.GetDirectories).ToList();
        Assert.Equal(4, sessions.Count);
        Assert.All(sessions, s => Assert.Equal(["map.nii.gz", "map.npy"], Directory.GetFiles(s).Select(Path.GetFileName).Order(StringComparer.Ordinal)));

        string script = PythonModels.Conv4Fc3 + PythonRandomArchitecture.Source + PythonSaliency.Source + """

import csv, json
job, caps, grp, ind, template = sys.argv[1:6]
cl = json.load(open(f"{job}/commandline.json"))
rows = list(csv.DictReader(open(f"{grp}/data.tsv"), delimiter="\t"))
images = {(r["participant_id"], r["session_id"]): whole_image(load_image(caps, r["participant_id"], r["session_id"])) for r in rows}
model = from_commandline(cl, tuple(next(iter(images.values())).shape))
model.load_state_dict(torch.load(f"{job}/fold-1/models/best_loss/model_best.pth.tar")["model"], strict=True)
model.eval()
assert next(iter(images.values())).shape == (1, 97, 129, 97)
elements = [(p, s, 0, x) for (p, s), x in images.items()]
print(check_maps(model, elements, grp, ind, None, 1, nib.load(template).affine))   # AD -> class 1
""";
        string worst = Python.RunWithErrors(script, job, data.Caps, grp, ind, template).Trim();
        Assert.True(double.Parse(worst.Split("\n")[0], System.Globalization.CultureInfo.InvariantCulture) < 1e-5, $"largest gradient difference {worst}");
    }
}
