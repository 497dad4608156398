using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Reliability;

/// <summary><c>train resume</c> of an interrupted VConv5_FC3 run: its checkpoint (the variational heads, BatchNorm statistics
/// and Adam state) restores, and the resumed run ends with the tables, models and event scalars of the uninterrupted one.</summary>
[Collection(SmallImageCapsCollection.Name)]
public sealed class ImageResumeTests(SmallImageCapsFixture data)
{
    [Fact]
    public void VariationalCnn_InterruptedAndResumed_EndsAsTheUninterruptedRun()
    {
        string reference = data.TrainedVariationalCnn; // 1 epoch, batch 4: one training step, then the evaluation
        var options = CommandLineRecord.Read(Path.Combine(reference, "commandline.json"), reference).Rebased();
        string resumed = data.NewOutput("vcnn-resumed");
        using var cts = new CancellationTokenSource();
        // Interrupted at the end of its only step: the checkpoint holds the updated network, and the resumed run evaluates it.
        Assert.Throws<OperationCanceledException>(() =>
            new TrainingRun(options with { OutputDir = resumed }, new ResumeTests.CancelAfter(1, cts)).Execute(cts.Token));
        Assert.Single(Directory.GetFiles(resumed, "checkpoint.pth.tar", SearchOption.AllDirectories));
        string log = Path.Combine(resumed, "fold-0", "training.tsv");
        Assert.True(!File.Exists(log) || File.ReadAllLines(log).Length <= 1, "the interrupted run evaluated before stopping");
        TrainingRun.Resume(resumed, null);
        // The reference folder is shared with other tests, which classify and interpret into it: compare what training wrote.
        var selections = EndToEnd.TrainImageTests.Selections;
        string[] expected = ["split.tsv", "training.tsv", "training.png",
            .. selections.Select(s => $"models/{s}/model_best.pth.tar"),
            .. from s in selections from subset in EndToEnd.TrainImageTests.Subsets from kind in new[] { "prediction", "metrics" }
               select $"cnn_classification/{s}/{subset}_image_level_{kind}.tsv"];
        string fold = Path.Combine(resumed, "fold-0");
        Assert.Equal(expected.Order(StringComparer.Ordinal), Directory.GetFiles(fold, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("tfevents")).Select(f => Path.GetRelativePath(fold, f).Replace('\\', '/')).Order(StringComparer.Ordinal));
        ResumeTests.AssertSameFold(reference, resumed, "fold-0", resumedFilesOnly: true);
    }
}
