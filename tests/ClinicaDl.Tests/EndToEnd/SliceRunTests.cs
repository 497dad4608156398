using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Runs.TsvTool;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary><c>train slice</c> through the command line: from <c>extract slice</c>'s tensors, interrupted and resumed, and
/// from a transfer-learning source; few slices (<c>--discarded_slices</c>) and one or two epochs keep each run to seconds.</summary>
/// <remarks>Trainings compared bit for bit run as child processes: another test class's process-wide
/// <c>set_num_threads</c> would change the last bits of an in-process run.</remarks>
[Collection(SyntheticCapsCollection.Name)]
public sealed class SliceRunTests(SyntheticCapsFixture data)
{
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(5);

    private string[] Train(string network, string caps, string labels, string output, params string[] extra)
        => ["train", "slice", network, caps, "t1-linear", labels, output, "resnet18", "-cpu", "--n_splits", "2", "--split", "0",
            "--batch_size", "4", "--threads", "1", "-np", "1", .. extra];

    /// <summary>Every file of <paramref name="reference"/>'s fold 0 has an identical twin in <paramref name="other"/> (training.tsv:
    /// all but the time column; event files: the same scalars).</summary>
    private static void AssertSameResults(string reference, string other)
    {
        var files = Directory.GetFiles(Path.Combine(reference, "fold-0"), "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".png", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => f.EndsWith("validation_slice_level_prediction.tsv", StringComparison.Ordinal));
        foreach (var file in files)
        {
            string rel = Path.GetRelativePath(reference, file);
            string twin = Path.Combine(other, rel);
            if (rel.Contains("tfevents", StringComparison.Ordinal))
            {
                twin = Directory.GetFiles(Path.GetDirectoryName(twin)!, "events.out.tfevents.*").Single(); // named after the time it was made
                static IEnumerable<string> Scalars(string f) => ClinicaDl.Formats.TensorBoard.EventFileReader.ReadScalars(f).Select(e => $"{e.Tag} {e.Step} {e.Value}");
                Assert.Equal(Scalars(file), Scalars(twin));
                continue;
            }
            Assert.True(File.Exists(twin), $"{rel} is missing");
            if (rel.EndsWith("training.tsv", StringComparison.Ordinal))
            {
                static IEnumerable<string> WithoutTime(string f) => TsvTable.Read(f).Rows.Select(r => string.Join("\t", r.Where((_, i) => i != 2)));
                Assert.Equal(WithoutTime(file), WithoutTime(twin));
            }
            else
            {
                Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(twin)), $"{rel} differs");
            }
        }
    }

    private static void Finish(ChildProcess child) => Assert.True(child.WaitForExit(Minutes) == 0, child.Output);

    [Fact]
    public void UseExtractedSlices_AfterExtractSlice_GivesTheSameResultsAsTheImages()
    {
        // Four sessions (2 AD + 2 CN, one of each per fold) keep the extraction small: clinica writes every slice (75 MB per image).
        string labels = data.NewOutput("slice-labels-4");
        var rows = new List<string>();
        foreach (var diagnosis in new[] { "AD", "CN" })
        {
            var lines = File.ReadAllLines(Path.Combine(data.Labels, diagnosis + ".tsv"));
            Directory.CreateDirectory(labels);
            File.WriteAllLines(Path.Combine(labels, diagnosis + ".tsv"), lines.Take(3));
            rows.AddRange(lines.Skip(1).Take(2).Select(l => string.Join("\t", l.Split('\t').Take(2))));
        }
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2));
        string sessions = Path.Combine(labels, "sessions.tsv");
        File.WriteAllLines(sessions, ["participant_id\tsession_id", .. rows]);

        string caps = data.CopyCaps("slice-extract");
        var x = CliRunner.Run("extract", "slice", caps, "t1-linear", "-sd", "2", "-tsv", sessions, "-np", "1");
        Assert.True(x.ExitCode == 0, x.All);
        Assert.Contains("Wrote 716 slice tensors", x.Output); // 4 images × 179 axial slices
        // The images are not needed with extracted slices: remove them from the copy (the originals stay).
        foreach (var image in Directory.GetFiles(Path.Combine(caps, "subjects"), "*_T1w.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".nii.gz", StringComparison.Ordinal) || f.Contains("image_based", StringComparison.Ordinal)))
            File.Delete(image);

        string fromTensors = data.NewOutput("slice-from-tensors"), fromImages = data.NewOutput("slice-from-images");
        string[] options = ["-sd", "2", "--discarded_slices", "88", "89", "--epochs", "1"];
        using (var a = new ChildProcess(Train("cnn", caps, labels, fromTensors, [.. options, "--use_extracted_slices"])))
        using (var b = new ChildProcess(Train("cnn", data.Caps, labels, fromImages, options)))
        {
            Finish(a);
            Finish(b);
        }
        AssertSameResults(fromImages, fromTensors);
        Assert.Equal(2 * 2, TsvTable.Read(Path.Combine(fromTensors, "fold-0", "cnn_classification", "best_loss", "validation_slice_level_prediction.tsv")).Rows.Count);
    }

    [Fact]
    public void Resume_AfterCtrlC_FinishesWithTheResultsOfAnUninterruptedRun()
    {
        string reference = data.NewOutput("slice-ref"), resumed = data.NewOutput("slice-resumed");
        string[] options = ["-sd", "0", "--discarded_slices", "83", "--epochs", "2", "--dropout", "0.2", "--data_augmentation", "Noise"];
        using (var uninterrupted = new ChildProcess(Train("cnn", data.Caps, data.Labels, reference, options)))
        using (var interrupted = new ChildProcess(Train("cnn", data.Caps, data.Labels, resumed, [.. options, "-vv"])))
        {
            Assert.True(interrupted.WaitFor("epoch 1/2, step 2/3", Minutes), interrupted.Output);
            interrupted.Signal(ChildProcess.SIGINT);
            Assert.True(interrupted.WaitForExit(Minutes) == 130, interrupted.Output);
            Assert.True(File.Exists(Path.Combine(resumed, "fold-0", "models", "checkpoint.pth.tar")), interrupted.Output);
            Assert.False(File.Exists(Path.Combine(resumed, "fold-0", "cnn_classification", "best_loss", "validation_image_level_metrics.tsv")));
            Finish(uninterrupted);
        }
        using (var resume = new ChildProcess("train", "resume", resumed))
            Finish(resume);
        AssertSameResults(reference, resumed);
        Assert.Empty(Directory.GetFiles(resumed, "checkpoint.pth.tar", SearchOption.AllDirectories));
    }

    /// <summary>The tensors of a checkpoint's <c>"model"</c>, by key.</summary>
    private static Dictionary<string, Tensor> Model(string checkpoint)
        => ModelState.FromEntry(PyTorchFile.LoadCheckpoint(checkpoint)["model"], checkpoint, "model").ToDictionary(kv => kv.Key, kv => kv.Value);

    [Fact]
    public void TransferLearning_CnnToCnnAndToMultiCnn_StartEveryNetworkFromTheSource()
    {
        string[] options = ["-sd", "2", "--discarded_slices", "88", "89", "--epochs", "1"];
        string source = data.NewOutput("slice-tl-source");
        var s = CliRunner.Run(Train("cnn", data.Caps, data.Labels, source, [.. options, "--seed", "5"]));
        Assert.True(s.ExitCode == 0, s.All);
        using var scope = NewDisposeScope();
        var from = Model(Path.Combine(source, "fold-0", "models", "best_balanced_accuracy", "model_best.pth.tar"));

        foreach (var network in new[] { "cnn", "multicnn" })
        {
            string target = data.NewOutput("slice-tl-" + network);
            var r = CliRunner.Run(Train(network, data.Caps, data.Labels, target, [.. options, "--transfer_learning_path", source, "-v"]));
            Assert.True(r.ExitCode == 0, r.All);
            Assert.DoesNotContain("RANDOM", r.All); // the source replaces every weight: no ImageNet warning
            Assert.Contains($"resnet18 starts from the transfer-learning source {source}", File.ReadAllText(Path.Combine(target, "environment.txt")));
            string[] models = network == "cnn" ? ["models"] : [Path.Combine("models", "cnn-0"), Path.Combine("models", "cnn-1")];
            foreach (var dir in models)
            {
                Assert.Contains(Path.Combine(source, "fold-0", "models", "best_balanced_accuracy", "model_best.pth.tar"), r.Output);
                var trained = Model(Path.Combine(target, "fold-0", dir, "best_loss", "model_best.pth.tar"));
                // conv1…layer3 are frozen: they still hold the source's weights (the target's own initialisation differs: seed 0, not 5)…
                foreach (var key in new[] { "conv1.weight", "layer1.0.conv1.weight", "layer3.1.bn2.bias" })
                    Assert.True(trained[key].eq(from[key]).all().item<bool>(), $"{network} {dir} {key}");
                // …and layer4 trained on from them.
                Assert.False(trained["layer4.1.conv2.weight"].eq(from["layer4.1.conv2.weight"]).all().item<bool>(), $"{network} {dir} layer4");
            }
        }
    }

    [Fact]
    public void ImageNetWeights_NotAResNet_Exit2BeforeAnythingIsWritten()
    {
        string weights = Path.Combine(data.NewOutput("imagenet-bad"), "resnet18-5c106cde.pth");
        Directory.CreateDirectory(Path.GetDirectoryName(weights)!);
        using (var scope = NewDisposeScope())
            PyTorchFile.Save(weights, new ClinicaDl.Networks.Conv4Fc3().state_dict());
        string output = data.NewOutput("slice-bad-imagenet");
        var r = CliRunner.Run(Train("cnn", data.Caps, data.Labels, output, "--discarded_slices", "83", "--epochs", "1", "--imagenet_weights", weights));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(weights, r.Error);
        Assert.Contains("is not torchvision's ResNet-18 state dict", r.Error);
        Assert.DoesNotContain("   at ", r.All);
        Assert.False(Directory.Exists(output));
    }
}
