using System.Globalization;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>train slice cnn|multicnn</c> and <c>classify</c> of slice models on the 8-image synthetic CAPS, kept fast with
/// few slices (resnet18 at 224×224 costs about 0.3 s per 8 slices on 2 cores).</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class TrainSliceTests(SyntheticCapsFixture data)
{
    private static readonly string[] Selections = ["best_balanced_accuracy", "best_loss"];

    private static IReadOnlyList<string> Col(TsvTable table, string column) => [.. table.Rows.Select(r => r[table.IndexOf(column)])];

    /// <summary>Python: 0.2.1's resnet18 (spec §5.4) and slice transform (§5.3) on a NIfTI.</summary>
    private const string Reference = PythonModels.ClinicaResNet18 + """
        import csv, json, nibabel as nib
        from torchvision import transforms
        tf = transforms.Compose([transforms.ToPILImage(), transforms.Resize((224, 224)), transforms.ToTensor()])
        def clinica_slice(caps, p, s, direction, i):
            image = torch.from_numpy(nib.load(f"{caps}/subjects/{p}/{s}/t1_linear/{p}_{s}_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz").get_fdata()).float()
            sl = image[i, :, :] if direction == 0 else image[:, i, :] if direction == 1 else image[:, :, i]
            t = torch.stack((sl, sl, sl))
            t = (t - t.min()) / (t.max() - t.min())
            return tf(t)

        """;

    [PythonFact("torch", "torchvision", "nibabel", "PIL")]
    public void Cnn_TrainsOnTheUsedSlices_LoadsStrictInTorchvision_AndClassifyUsesTheTrainedSlices()
    {
        string output = data.NewOutput("slice-cnn");
        var result = CliRunner.Run("train", "slice", "cnn", data.Caps, "t1-linear", data.Labels, output, "resnet18", "-cpu",
            "-sd", "0", "--discarded_slices", "83", "--n_splits", "2", "--split", "1", "--epochs", "1", "--batch_size", "4",
            "--threads", "1", "--dropout", "0.2", "--data_augmentation", "Noise", "CropPad");
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("RANDOM weights", result.All); // M9: said, never silent
        Assert.Contains("RANDOM weights", File.ReadAllText(Path.Combine(output, "environment.txt")));

        // commandline.json: spec §1.4 keys after accumulation_steps; the default 20 would be an int, given values a list.
        string json = File.ReadAllText(Path.Combine(output, "commandline.json"));
        var keys = System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).ToList();
        int a = keys.IndexOf("accumulation_steps");
        Assert.Equal(["slice_direction", "discarded_slices", "use_extracted_slices", "transfer_learning_path", "transfer_learning_selection", "selection_threshold"],
            keys.Skip(a + 1).Take(6));
        Assert.Contains("\"mode\": \"slice\"", json);
        Assert.Contains("\"discarded_slices\": [\n        83\n    ]", json);

        foreach (var selection in Selections)
        {
            string dir = Path.Combine(output, "fold-1", "cnn_classification", selection);
            var slices = TsvTable.Read(Path.Combine(dir, "validation_slice_level_prediction.tsv"));
            Assert.Equal(["participant_id", "session_id", "slice_id", "true_label", "predicted_label", "proba0", "proba1"], slices.Columns);
            Assert.Equal(4 * 3, slices.Rows.Count);
            Assert.Equal(["83", "84", "85"], Col(slices, "slice_id").Distinct().Order());
            Assert.Equal(4, TsvTable.Read(Path.Combine(dir, "validation_image_level_prediction.tsv")).Rows.Count);
            Assert.True(File.Exists(Path.Combine(dir, "train_slice_level_metrics.tsv")));
        }

        // Interop: 0.2.1's resnet18 loads the checkpoint strictly and gives our slice-level probabilities on 0.2.1's slices.
        string worst = Python.Run(Reference + """
            out, caps = sys.argv[1], sys.argv[2]
            worst = 0.0
            for selection in ("best_balanced_accuracy", "best_loss"):
                ckpt = torch.load(f"{out}/fold-1/models/{selection}/model_best.pth.tar")
                assert set(ckpt) >= {"model", "epoch", "valid_loss", "valid_acc"}, list(ckpt)
                assert len(ckpt["model"]) == 124
                m = clinica_resnet18(0.2)
                m.load_state_dict(ckpt["model"], strict=True)
                m.eval()
                for r in csv.DictReader(open(f"{out}/fold-1/cnn_classification/{selection}/validation_slice_level_prediction.tsv"), delimiter="\t"):
                    x = clinica_slice(caps, r["participant_id"], r["session_id"], 0, int(r["slice_id"])).unsqueeze(0)
                    with torch.no_grad():
                        p = torch.softmax(m(x), 1)[0]
                    worst = max(worst, abs(p[0].item() - float(r["proba0"])), abs(p[1].item() - float(r["proba1"])))
            print(worst)
            """, output, data.Caps).Trim();
        Assert.True(double.Parse(worst, CultureInfo.InvariantCulture) < 1e-4, $"largest probability difference {worst}");

        // classify honours --discarded_slices 83 as trained (0.2.1 used 20 and crashed: M2): the validation sessions give the validation tables.
        string valid = Path.Combine(data.Labels, "validation_splits-2", "split-1");
        var c = CliRunner.Run("classify", data.Caps, valid, output, "again", "-cpu", "--threads", "1");
        Assert.True(c.ExitCode == 0, c.All);
        string best = Path.Combine(output, "fold-1", "cnn_classification", "best_loss");
        var trained = TsvTable.Read(Path.Combine(best, "validation_slice_level_prediction.tsv"));
        var again = TsvTable.Read(Path.Combine(best, "again_slice_level_prediction.tsv"));
        Assert.Equal(Col(trained, "slice_id"), Col(again, "slice_id"));
        Assert.Equal(Col(trained, "predicted_label"), Col(again, "predicted_label"));
        for (int i = 0; i < trained.Rows.Count; i++)
            Assert.Equal(double.Parse(Col(trained, "proba1")[i], CultureInfo.InvariantCulture), double.Parse(Col(again, "proba1")[i], CultureInfo.InvariantCulture), 5);

        // interpret: 2-D maps of 2 AD sessions × 3 slices, in child processes (their thread count is their own): the group map
        // M[0] (224, 224) and one per slice, each as map.jpg + map.npy; per session and slice, g_i (3, 224, 224) and its jpg.
        string two = Path.Combine(data.NewOutput("two-ad"), "AD.tsv");
        Directory.CreateDirectory(Path.GetDirectoryName(two)!);
        File.WriteAllLines(two, File.ReadAllLines(Path.Combine(data.Labels, "AD.tsv")).Take(3));
        InterpretInputs.Run("interpret", "group", output, "grp", "-cpu", "--threads", "1", "--batch_size", "4", "--tsv_path", two);
        InterpretInputs.Run("interpret", "individual", output, "ind", "-cpu", "--threads", "1", "--batch_size", "4", "--tsv_path", two);
        string grp = Path.Combine(output, "fold-1", "gradients", "best_loss", "grp"), ind = Path.Combine(output, "fold-1", "gradients", "best_loss", "ind");
        string[] perSlice = [.. new[] { 83, 84, 85 }.SelectMany(k => new[] { $"map_slice-{k}.jpg", $"map_slice-{k}.npy" })];
        Assert.Equal(["commandline.json", "data.tsv", "map.jpg", "map.npy", .. perSlice], Directory.GetFiles(grp).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([224, 224], InterpretInputs.ReadNpy(Path.Combine(grp, "map.npy")).Shape);
        var sessions = File.ReadAllLines(Path.Combine(grp, "data.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(2, sessions.Count);
        foreach (var f in sessions)
        {
            Assert.Equal(perSlice, Directory.GetFiles(Path.Combine(ind, f[0], f[1])).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal([3, 224, 224], InterpretInputs.ReadNpy(Path.Combine(ind, f[0], f[1], "map_slice-84.npy")).Shape);
        }
        string inputs = InterpretInputs.Save(output, data.NewOutput("inputs"), tsvFile: two);
        string maps = Python.RunWithErrors(Reference + PythonSaliency.Source + """

            model_dir, grp, ind, inputs = sys.argv[1:5]
            m = clinica_resnet18(0.2)
            m.load_state_dict(torch.load(f"{model_dir}/fold-1/models/best_loss/model_best.pth.tar")["model"], strict=True)
            m.eval()
            elements = load_inputs(inputs)
            assert len(elements) == 6 and all(tuple(x.shape) == (3, 224, 224) for _, _, _, x in elements)
            print(check_maps(m, elements, grp, ind, "slice", 1))   # AD -> class 1
            """, output, grp, ind, inputs).Trim();
        Assert.True(double.Parse(maps.Split('\n')[0], CultureInfo.InvariantCulture) < 1e-5, $"largest gradient difference {maps}");
    }

    [PythonFact("torch", "torchvision")]
    public void MultiCnn_TrainsNetworkKOnSliceK_FromImageNetWeights_AndVotesToTheImage() // M1, M9
    {
        string output = data.NewOutput("slice-multicnn");
        string weights = Path.Combine(data.NewOutput("imagenet"), "resnet18-5c106cde.pth");
        Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
        Python.Run("""
            import sys, torch, torchvision
            torch.manual_seed(3)
            sd = torchvision.models.resnet18().state_dict()
            torch.save(type(sd)((k, v) for k, v in sd.items() if not k.endswith("num_batches_tracked")), sys.argv[1], _use_new_zipfile_serialization=False)
            """, weights);
        var result = CliRunner.Run("train", "slice", "multicnn", data.Caps, "t1-linear", data.Labels, output, "resnet18", "-cpu",
            "-sd", "2", "--discarded_slices", "88", "89", "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1",
            "--imagenet_weights", weights);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.DoesNotContain("RANDOM", result.All);
        Assert.Contains($"resnet18 starts from ImageNet weights {weights}", File.ReadAllText(Path.Combine(output, "environment.txt")));
        foreach (int k in new[] { 0, 1 })
            foreach (var s in Selections)
                Assert.True(File.Exists(Path.Combine(output, "fold-0", "models", $"cnn-{k}", s, "model_best.pth.tar")), $"cnn-{k} {s}");
        Assert.False(Directory.Exists(Path.Combine(output, "fold-0", "models", "cnn-2")));
        foreach (var s in Selections)
        {
            string dir = Path.Combine(output, "fold-0", "cnn_classification", s);
            var slices = TsvTable.Read(Path.Combine(dir, "validation_slice_level_prediction.tsv"));
            Assert.Equal(4 * 2, slices.Rows.Count); // one row per image and network, not E² (0.2.1: M1)
            Assert.Equal(["88", "88", "88", "88", "89", "89", "89", "89"], Col(slices, "slice_id")); // network-major
            Assert.Equal(["88", "89"], Col(TsvTable.Read(Path.Combine(dir, "validation_slice_level_metrics.tsv")), "slice_id"));
            Assert.Equal(4, TsvTable.Read(Path.Combine(dir, "validation_image_level_prediction.tsv")).Rows.Count);
        }
        // The frozen layers hold the ImageNet file's weights; layer4 trained away from them.
        string check = Python.Run("""
            import sys, torch
            imagenet = torch.load(sys.argv[1])
            model = torch.load(sys.argv[2])["model"]
            assert torch.equal(model["conv1.weight"], imagenet["conv1.weight"])
            assert torch.equal(model["layer3.1.bn2.weight"], imagenet["layer3.1.bn2.weight"])
            assert not torch.equal(model["layer4.1.conv2.weight"], imagenet["layer4.1.conv2.weight"])
            print("ok")
            """, weights, Path.Combine(output, "fold-0", "models", "cnn-1", "best_loss", "model_best.pth.tar"));
        Assert.Equal("ok", check.Trim());

        // multicnn models are not interpreted (as in 0.2.1): exit 2, nothing written.
        var interpret = CliRunner.Run("interpret", "group", output, "maps", "-cpu");
        Assert.Equal(2, interpret.ExitCode);
        Assert.Contains("multicnn", interpret.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "fold-0", "gradients")));
    }

    [Theory]
    [InlineData("autoencoder", "slice autoencoder")]
    [InlineData("cnn", "-sd/--slice_direction", "-sd", "-1")]
    [InlineData("cnn", "-sd/--slice_direction", "-sd", "3")]
    [InlineData("cnn", "--discarded_slices", "--discarded_slices", "100", "100")]
    [InlineData("cnn", "--discarded_slices", "--discarded_slices", "1", "2", "3")]
    [InlineData("cnn", "-un/--unnormalize", "-un")]
    [InlineData("cnn", "MODEL", "MODEL=Conv4_FC3")]
    [InlineData("cnn", "slice_based", "--use_extracted_slices")]
    public void BadInput_ExitsTwo_NamingTheProblem_AndWritesNothing(string network, string expected, params string[] extra)
    {
        string output = data.NewOutput("slice-bad");
        string model = extra.FirstOrDefault(e => e.StartsWith("MODEL=", StringComparison.Ordinal))?[6..] ?? "resnet18";
        var args = new List<string> { "train", "slice", network, data.Caps, "t1-linear", data.Labels, output, model, "-cpu", "--n_splits", "2", "--split", "0", "--epochs", "1" };
        args.AddRange(extra.Where(e => !e.StartsWith("MODEL=", StringComparison.Ordinal)));
        var result = CliRunner.Run([.. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.All);
        Assert.DoesNotContain("   at ", result.All);
        Assert.False(Directory.Exists(output));
    }
}
