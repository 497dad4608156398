using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Networks;
using ClinicaDl.Outputs;
using ClinicaDl.Tests.Support;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

/// <summary>Our image networks' state dicts load with <c>strict=True</c> into PyTorch modules written from spec modes §3.2–3.4 and give the same outputs.</summary>
public sealed class ImageNetworkInteropTests
{
    /// <summary>Smallest inputs each classifier takes (spec §3.3); odd sides so that every pool pads.</summary>
    private static readonly (string Name, long[] Input)[] Classifiers =
    [
        ("Conv5_FC3", [1, 1, 161, 193, 161]),
        ("Conv5_FC3_mni", [1, 1, 97, 129, 97]),
        ("Conv6_FC3", [1, 1, 129, 193, 129]),
        ("VConv5_FC3", [1, 1, 161, 193, 161]),
    ];

    private static readonly (string Name, long[] Input)[] AutoEncoders =
    [
        ("Conv5_FC3", [2, 1, 21, 18, 19]),
        ("Conv6_FC3", [1, 1, 23, 20, 17]),
        ("Conv4_FC3", [1, 1, 33, 31, 35]),
    ];

    [PythonFact("torch")]
    public void StateDicts_LoadStrictInPyTorch_AndReproduceOurOutputs()
    {
        using var dir = new TempDir("image-interop");
        var files = new List<string>();
        foreach (var (name, input) in Classifiers)
            files.Add(Save(dir, name, "cnn", Architecture.Find(name)!.CreateCnn(0.3), input));
        foreach (var (name, input) in AutoEncoders)
            files.Add(Save(dir, name, "autoencoder", Architecture.Find(name)!.CreateAutoEncoder(), input));

        string script = PythonImageModels.Source + """

import sys
for path in sys.argv[1:]:
    saved = torch.load(path)
    name, kind = saved["name"], saved["kind"]
    model = image_autoencoder(name) if kind == "autoencoder" else image_cnn(name, 0.3)
    model.load_state_dict(saved["model"], strict=True)
    model.eval()
    with torch.no_grad():
        out = model(saved["input"])
    out = out[3] if name == "VConv5_FC3" and kind == "cnn" else out
    assert out.shape == saved["output"].shape, (path, out.shape, saved["output"].shape)
    print(f"{name} {kind} {(out - saved['output']).abs().max().item()}")
""";
        string report = Python.Run(script, [.. files]).Trim();
        var differences = report.Split('\n').Select(line => double.Parse(line.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(differences.All(d => d < 1e-5), "largest output difference per network:\n" + report);
    }

    /// <summary>Seeds, gives every BatchNorm non-trivial running statistics, runs the network in evaluation mode and saves state dict, input and output.</summary>
    private static string Save(TempDir dir, string name, string kind, nn.Module<Tensor, Tensor> model, long[] inputShape)
    {
        using var scope = NewDisposeScope();
        using (model)
        {
            manual_seed(11);
            using (no_grad())
            {
                foreach (var (key, buffer) in model.named_buffers())
                {
                    if (key.EndsWith("running_mean", StringComparison.Ordinal)) buffer.copy_(randn_like(buffer) * 0.1);
                    else if (key.EndsWith("running_var", StringComparison.Ordinal)) buffer.copy_(rand_like(buffer) + 0.5);
                    else if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) buffer.fill_(7);
                }
            }
            model.eval();
            var input = rand(inputShape);
            Tensor output;
            using (no_grad()) output = model.call(input);
            string path = dir.Combine($"{name}-{kind}.pt");
            PyTorchFile.SaveCheckpoint(path, new Dictionary<string, object?>
            {
                ["name"] = name,
                ["kind"] = kind,
                ["model"] = ClinicaDl.Training.ModelState.StateDict(model),
                ["input"] = input,
                ["output"] = output,
            });
            return path;
        }
    }
}
