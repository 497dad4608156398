using ClinicaDl.Evaluation;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.EndToEnd;

[Collection(SyntheticCapsCollection.Name)]
public sealed class TransferLearningTests(SyntheticCapsFixture data)
{
    /// <summary>A results folder as ClinicaDL 0.2.1 writes it, made by PyTorch from the spec's networks.</summary>
    private string ClinicaDlFolder(string networkType)
    {
        string folder = data.NewOutput("clinicadl021-" + networkType);
        string script = PythonModels.Conv4Fc3 + """

import sys, os, json, numpy as np
out, network = sys.argv[1], sys.argv[2]
torch.manual_seed(3)
model = AutoEncoder() if network == "autoencoder" else Conv4_FC3()
for m in model.modules():
    if isinstance(m, nn.BatchNorm3d):
        m.running_mean.uniform_(0, 1); m.running_var.uniform_(1, 2); m.num_batches_tracked.fill_(7)
selections = ["best_loss"] if network == "autoencoder" else ["best_loss", "best_balanced_accuracy"]
for s in selections:
    os.makedirs(f"{out}/fold-0/models/{s}", exist_ok=True)
    ckpt = {"model": model.state_dict(), "epoch": 4, "valid_loss": np.float64(0.25)}
    if network != "autoencoder":
        ckpt["valid_acc"] = np.float64(0.75)
    torch.save(ckpt, f"{out}/fold-0/models/{s}/model_best.pth.tar")
json.dump({"logname": "clinicaDL.log", "version": False, "task": "train", "mode": "roi", "network_type": network,
           "caps_dir": "caps", "preprocessing": "t1-linear", "tsv_path": "labels", "model": "Conv4_FC3", "use_cpu": True,
           "diagnoses": ["AD", "CN"], "roi_list": None, "uncropped_roi": False, "use_extracted_roi": False,
           "transfer_learning_path": None, "transfer_learning_selection": "best_loss"}, open(f"{out}/commandline.json", "w"), indent=4)
""";
        Python.Run(script, folder, networkType);
        return folder;
    }

    private static TrainOptions Target(NetworkType type, string source) =>
        TrainOptions.Defaults(type, "caps", "labels", "out") with { Transfer = new TransferOptions(source, "best_balanced_accuracy") };

    [PythonFact("torch")]
    public void Apply_AutoencoderFromClinicaDl021_CopiesTheEncoderIntoFeatures()
    {
        string source = ClinicaDlFolder("autoencoder");
        var transfer = TransferLearning.Plan(Target(NetworkType.Cnn, source), [0], 2, [50, 50, 50])!;
        using var scope = NewDisposeScope();
        using var cnn = new Conv4Fc3();
        transfer.Apply(cnn, 0, null);
        var state = ModelState.FromEntry(PyTorchFile.LoadCheckpoint(Path.Combine(source, "fold-0", "models", "best_loss", "model_best.pth.tar"))["model"], "x", "model");
        var target = cnn.state_dict();
        int compared = 0;
        foreach (var (key, tensor) in state.Where(kv => kv.Key.StartsWith("encoder.", StringComparison.Ordinal)))
        {
            var copied = target["features." + key["encoder.".Length..]];
            Assert.True(copied.to(tensor.dtype).eq(tensor).all().item<bool>(), key);
            compared++;
        }
        Assert.Equal(28, compared); // 4 convs × 2 + 4 BatchNorms × 5 (weights, biases, running statistics, num_batches_tracked)
    }

    [PythonFact("torch")]
    public void Apply_CnnFromClinicaDl021_LoadsEveryNetworkOfMultiCnn()
    {
        string source = ClinicaDlFolder("cnn");
        var transfer = TransferLearning.Plan(Target(NetworkType.MultiCnn, source), [0], 2, [50, 50, 50])!;
        using var scope = NewDisposeScope();
        using var cnn = new Conv4Fc3();
        transfer.Apply(cnn, 0, 1);
        var expected = ModelState.FromEntry(PyTorchFile.LoadCheckpoint(transfer.SourceFile(0, 1))["model"], "x", "model").ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.True(cnn.state_dict()["classifier.7.weight"].eq(expected["classifier.7.weight"]).all().item<bool>());
        Assert.Equal(7L, cnn.state_dict()["features.13.num_batches_tracked"].item<long>());
    }

    [PythonFact("torch")]
    public void Plan_CnnToAutoencoder_IsAClearError()
    {
        string source = ClinicaDlFolder("cnn");
        var e = Assert.Throws<ClinicaDl.Errors.InvalidOptionException>(() => TransferLearning.Plan(Target(NetworkType.Autoencoder, source), [0], 2, [50, 50, 50]));
        Assert.Contains("--transfer_learning_path", e.Message);
        Assert.Contains("not implemented", e.Message);
    }

    [Fact]
    public void Train_AutoencoderThenCnn_StartsFromTheEncoder_AndMultiCnnFromMultiCnn()
    {
        string ae = data.NewOutput("tl-ae");
        Assert.Equal(0, CliRunner.Run("train", "roi", "autoencoder", data.Caps, "t1-linear", data.Labels, ae, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1").ExitCode);
        string cnn = data.NewOutput("tl-cnn");
        var r = CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, cnn, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1", "--transfer_learning_path", ae, "-v");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("starts from", r.Output);

        string mc1 = data.NewOutput("tl-mc1");
        Assert.Equal(0, CliRunner.Run("train", "roi", "multicnn", data.Caps, "t1-linear", data.Labels, mc1, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1").ExitCode);
        string mc2 = data.NewOutput("tl-mc2");
        var r2 = CliRunner.Run("train", "roi", "multicnn", data.Caps, "t1-linear", data.Labels, mc2, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1", "--transfer_learning_path", mc1, "-v");
        Assert.True(r2.ExitCode == 0, r2.All);
        Assert.Contains(Path.Combine("models", "cnn-1", "best_balanced_accuracy"), r2.Output);
    }

    [Fact]
    public void Train_TransferFromAnotherArchitecture_ExitsTwoBeforeTraining()
    {
        string cnn = data.NewOutput("tl-src-cnn");
        Directory.CreateDirectory(cnn);
        File.WriteAllText(Path.Combine(cnn, "commandline.json"), """{"network_type": "cnn", "mode": "roi", "caps_dir": "c", "tsv_path": "t"}""");
        string output = data.NewOutput("tl-bad");
        var r = CliRunner.Run("train", "roi", "autoencoder", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--transfer_learning_path", cnn);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--transfer_learning_path", r.Error);
        Assert.False(Directory.Exists(output));
    }
}
