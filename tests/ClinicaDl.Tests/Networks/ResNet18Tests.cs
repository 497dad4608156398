using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Runs;
using ClinicaDl.Slices;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

public sealed class ResNet18Tests
{
    [Fact]
    public void StateDict_HasTorchvisionKeysAndShapes_PlusFcOut()
    {
        using var scope = NewDisposeScope();
        using var net = new ResNet18();
        var sd = ModelState.StateDict(net);
        Assert.Equal(124, sd.Count);
        var shapes = sd.ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(new long[] { 64, 3, 7, 7 }, shapes["conv1.weight"]);
        Assert.Equal(new long[] { 64, 64, 3, 3 }, shapes["layer1.1.conv2.weight"]);
        Assert.Equal(new long[] { 128, 64, 3, 3 }, shapes["layer2.0.conv1.weight"]);
        Assert.Equal(new long[] { 128, 64, 1, 1 }, shapes["layer2.0.downsample.0.weight"]);
        Assert.Equal(new long[] { 256, 128, 1, 1 }, shapes["layer3.0.downsample.0.weight"]);
        Assert.Equal(new long[] { 512, 256, 1, 1 }, shapes["layer4.0.downsample.0.weight"]);
        Assert.Equal(new long[] { 512 }, shapes["layer4.0.downsample.1.running_var"]);
        Assert.Equal(new long[] { 1000, 512 }, shapes["fc.weight"]);
        Assert.Equal(new long[] { 2, 1000 }, shapes["fc_out.weight"]);
        Assert.False(shapes.ContainsKey("layer1.0.downsample.0.weight"));
        // PyTorch's order: module by module, parameters then buffers.
        Assert.Equal(["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "layer1.0.conv1.weight"],
            sd.Take(7).Select(kv => kv.Key));
        Assert.Equal(["fc.weight", "fc.bias", "fc_out.weight", "fc_out.bias"], sd.TakeLast(4).Select(kv => kv.Key));
    }

    [Fact]
    public void Parameters_CountsAndFreezing_AsClinicaDl()
    {
        using var scope = NewDisposeScope();
        using var net = new ResNet18();
        Assert.Equal(11_691_514, net.parameters().Sum(p => p.numel()));
        Assert.Equal(8_908_730, net.TrainableParameters().Sum(p => p.numel()));
        var trainable = net.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.All(trainable, n => Assert.True(n.StartsWith("layer4.") || n.StartsWith("fc.") || n.StartsWith("fc_out."), n));
    }

    [Fact]
    public void TrainingStep_FrozenBatchNormStillUpdatesRunningStatistics() // spec §5.4.2, M10
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var net = new ResNet18();
        net.train();
        var before = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var optimizer = optim.Adam(net.TrainableParameters(), 1e-3);
        var logits = net.call(rand(2, 3, 224, 224));
        Assert.Equal(new long[] { 2, 2 }, logits.shape);
        nn.functional.cross_entropy(logits, tensor(new long[] { 0, 1 })).backward();
        optimizer.step();
        var after = net.state_dict();
        Assert.True(before["bn1.weight"].eq(after["bn1.weight"]).all().item<bool>());
        Assert.True(before["conv1.weight"].eq(after["conv1.weight"]).all().item<bool>());
        Assert.False(before["bn1.running_mean"].eq(after["bn1.running_mean"]).all().item<bool>());
        Assert.Equal(1L, after["bn1.num_batches_tracked"].item<long>());
        Assert.False(before["layer4.1.conv2.weight"].eq(after["layer4.1.conv2.weight"]).all().item<bool>());
        Assert.False(before["fc_out.weight"].eq(after["fc_out.weight"]).all().item<bool>());
    }

    [Fact]
    public void Locate_NoFileAnywhere_IsRandomAndSaysWhereItLooked()
    {
        using var dir = new TempDir();
        var weights = ImageNetWeights.Locate(null, name => name == "TORCH_HOME" ? dir.Path : null);
        Assert.True(weights.IsRandom);
        Assert.Contains("RANDOM", weights.Describe());
        Assert.Contains(Path.Combine(dir.Path, "hub", "checkpoints"), weights.Describe());
    }

    [Fact]
    public void Locate_HubCache_FollowsTorchHomeThenXdgThenHome()
    {
        Assert.Equal("/t/hub/checkpoints", ImageNetWeights.HubCheckpoints(n => n == "TORCH_HOME" ? "/t" : null));
        Assert.Equal("/x/torch/hub/checkpoints", ImageNetWeights.HubCheckpoints(n => n switch { "XDG_CACHE_HOME" => "/x", "HOME" => "/h", _ => null }));
        Assert.Equal("/h/.cache/torch/hub/checkpoints", ImageNetWeights.HubCheckpoints(n => n == "HOME" ? "/h" : null));
    }

    [Fact]
    public void Locate_ExplicitMissingFile_IsAnOptionError()
    {
        var e = Assert.Throws<InvalidOptionException>(() => ImageNetWeights.Locate("/nonexistent/resnet18.pth"));
        Assert.Contains("--imagenet_weights", e.Message);
        Assert.Contains("/nonexistent/resnet18.pth", e.Message);
    }

    [Fact]
    public void LoadInto_NotAResNet_NamesTheKeys()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("other.pth");
        PyTorchFile.Save(path, new ClinicaDl.Networks.Conv4Fc3().state_dict());
        using var net = new ResNet18();
        var e = Assert.Throws<CheckpointException>(() => new ImageNetWeights(path, true).LoadInto(net));
        Assert.Contains("missing keys [conv1.weight", e.Message);
        Assert.Contains("features.0.weight", e.Message);
    }

    [PythonFact("torch", "torchvision")]
    public void LoadInto_TorchvisionFiles_ZipLegacyAndOld2017Layout()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string zip = dir.Combine("zip.pth"), legacy = dir.Combine("legacy.pth"), old = dir.Combine(ImageNetWeights.FileName);
        Python.Run("""
            import sys, torch, torchvision
            torch.manual_seed(5)
            sd = torchvision.models.resnet18().state_dict()
            for k in sd:
                if k.endswith("running_mean"): sd[k].normal_()
                if k.endswith("running_var"): sd[k].uniform_(0.5, 2)
            torch.save(sd, sys.argv[1])
            torch.save(sd, sys.argv[2], _use_new_zipfile_serialization=False)
            old = type(sd)((k, v) for k, v in sd.items() if not k.endswith("num_batches_tracked"))
            torch.save(old, sys.argv[3], _use_new_zipfile_serialization=False)   # like the 2017 file
            """, zip, legacy, old);

        var reference = (IReadOnlyDictionary<string, Tensor>)PyTorchFile.Load(zip)!;
        Assert.Equal(122, reference.Count);
        foreach (string file in new[] { zip, legacy, old })
        {
            using var net = new ResNet18();
            new ImageNetWeights(file, true).LoadInto(net);
            var state = net.state_dict();
            foreach (var (key, expected) in reference)
                if (!key.EndsWith("num_batches_tracked"))
                    Assert.True(expected.eq(state[key]).all().item<bool>(), $"{Path.GetFileName(file)}: {key}");
            Assert.Equal(8_908_730, net.TrainableParameters().Sum(p => p.numel())); // still frozen after loading
        }
        // Found in the torch hub cache without any option.
        Directory.CreateDirectory(dir.Combine("hub", "checkpoints"));
        File.Copy(old, dir.Combine("hub", "checkpoints", ImageNetWeights.FileName));
        var found = ImageNetWeights.Locate(null, n => n == "TORCH_HOME" ? dir.Path : null);
        Assert.Equal(dir.Combine("hub", "checkpoints", ImageNetWeights.FileName), found.Path);
    }

    [PythonFact("torch", "torchvision")]
    public void Checkpoint_LoadsStrictlyInTorchvisionResNet_AndGivesTheSameProbabilities()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var net = new ResNet18(dropout: 0.3);
        net.train();
        using (no_grad()) net.call(rand(4, 3, 224, 224)); // moves the running statistics away from 0/1
        net.eval();

        // Inputs: real prepared slices of a synthetic volume.
        int[] shape = [40, 48, 36];
        var rng = new Random(3);
        var image = Enumerable.Range(0, 40 * 48 * 36).Select(i => (float)(Math.Sin(i / 97.0) * 50 + rng.NextDouble() * 10)).ToArray();
        var planes = new List<float>();
        var plane = new byte[SliceExtractor.PlaneSize];
        foreach (int i in new[] { 10, 20, 25 })
        {
            SliceExtractor.Prepare(image, shape, SliceDirection.Sagittal, i, plane);
            var values = plane.Select(SliceExtractor.ToTensorValue).ToArray();
            for (int c = 0; c < 3; c++) planes.AddRange(values);
        }
        var input = tensor(planes.ToArray(), [3, 3, 224, 224]);
        Tensor probabilities;
        using (no_grad()) probabilities = nn.functional.softmax(net.call(input), 1);

        string model = dir.Combine("model_best.pth.tar"), inputs = dir.Combine("x.pt"), probs = dir.Combine("p.pt");
        PyTorchFile.SaveCheckpoint(model, new Dictionary<string, object?> { ["model"] = ModelState.StateDict(net), ["epoch"] = 0 });
        PyTorchFile.SaveTensor(inputs, input);
        PyTorchFile.SaveTensor(probs, probabilities);
        string output = Python.Run(PythonModels.ClinicaResNet18 + """
            m = clinica_resnet18(0.3)
            m.load_state_dict(torch.load(sys.argv[1])["model"], strict=True)
            m.eval()
            with torch.no_grad():
                p = torch.softmax(m(torch.load(sys.argv[2])), 1)
            d = (p - torch.load(sys.argv[3])).abs().max().item()
            print(d)
            assert d < 1e-4, d
            """, model, inputs, probs);
        Assert.True(double.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture) < 1e-4);
    }
}
