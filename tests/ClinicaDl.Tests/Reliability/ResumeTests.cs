using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;

namespace ClinicaDl.Tests.Reliability;

/// <summary>An interrupted-then-resumed run ends with the same tables and weights as an uninterrupted one.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class ResumeTests(SyntheticCapsFixture data)
{
    /// <summary>Cancels the run after a given number of training steps (what Ctrl-C does, at a deterministic moment).</summary>
    internal sealed class CancelAfter(int steps, CancellationTokenSource source) : ITrainingObserver
    {
        private int seen;
        public void Message(MessageLevel level, string text) { }
        public void NetworkStarted(NetworkId id, int epochs, int stepsPerEpoch, int trainElements, int validElements) { }
        public void StepCompleted(StepReport report)
        {
            if (++seen == steps) source.Cancel();
        }
        public void EvaluationCompleted(EpochReport report) { }
        public void NetworkCompleted(NetworkId id, int epochsRun, bool stoppedEarly) { }
        public void ImageCached(int cached, int total) { }
    }

    private TrainOptions Options(NetworkType type, string output) => TrainOptions.Defaults(type, data.Caps, data.Labels, output) with
    {
        Computational = new ComputationalOptions(UseCpu: true, NProc: 2, BatchSize: 4, EvaluationSteps: 2, Threads: 1),
        CrossValidation = new CrossValidationOptions(2, [1]),
        Optimization = new OptimizationOptions(Epochs: 3, LearningRate: 1e-3, Dropout: type == NetworkType.Autoencoder ? 0 : 0.2, AccumulationSteps: type == NetworkType.MultiCnn ? 1 : 2),
        Data = new DataOptions(false, ["AD", "CN"], DataAugmentation: [ClinicaDl.Data.AugmentationKind.Noise, ClinicaDl.Data.AugmentationKind.Erasing]),
        Seed = 11,
    };

    [Theory]
    [InlineData(NetworkType.Cnn, 5)]
    [InlineData(NetworkType.MultiCnn, 4)]
    [InlineData(NetworkType.Autoencoder, 4)]
    public void Resume_AfterInterrupt_GivesTheSameResultsAsAnUninterruptedRun(NetworkType type, int interruptAfter)
    {
        string reference = data.NewOutput($"ref-{type}"), resumed = data.NewOutput($"resumed-{type}");
        new TrainingRun(Options(type, reference)).Execute();

        using var cts = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => new TrainingRun(Options(type, resumed), new CancelAfter(interruptAfter, cts)).Execute(cts.Token));
        Assert.NotEmpty(Directory.GetFiles(resumed, "checkpoint.pth.tar", SearchOption.AllDirectories));
        TrainingRun.Resume(resumed, null);
        AssertSameFold(reference, resumed, "fold-1");
    }

    /// <summary>Fold <paramref name="fold"/> of <paramref name="resumed"/> holds what it holds in <paramref name="reference"/>: the same
    /// files, byte for byte (training.tsv without its time column), no checkpoint left, the same scalars in the event files.
    /// With <paramref name="resumedFilesOnly"/>, the files compared are those of the resumed fold (a shared reference folder may
    /// hold what later commands wrote into it, classify's tables or interpret's maps).</summary>
    internal static void AssertSameFold(string reference, string resumed, string fold, bool resumedFilesOnly = false)
    {
        string listed = resumedFilesOnly ? resumed : reference;
        var rels = Directory.GetFiles(Path.Combine(listed, fold), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("tfevents") && !f.EndsWith(".png", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(listed, f)).ToList();
        Assert.NotEmpty(rels);
        foreach (var rel in rels)
        {
            string file = Path.Combine(reference, rel);
            string other = Path.Combine(resumed, rel);
            Assert.True(File.Exists(file), $"{rel} is in the resumed run only");
            Assert.True(File.Exists(other), $"{rel} is missing after resume");
            if (rel.EndsWith("training.tsv", StringComparison.Ordinal))
                Assert.Equal(WithoutTime(file), WithoutTime(other));
            else
                Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(other)), $"{rel} differs after resume");
        }
        Assert.Empty(Directory.GetFiles(resumed, "checkpoint.pth.tar", SearchOption.AllDirectories));
        // The event files hold the same scalars (only wall times differ): nothing lost, nothing logged twice.
        foreach (var events in Directory.GetFiles(Path.Combine(reference, fold), "events.out.tfevents.*", SearchOption.AllDirectories))
        {
            string dir = Path.GetRelativePath(reference, Path.GetDirectoryName(events)!);
            string other = Directory.GetFiles(Path.Combine(resumed, dir), "events.out.tfevents.*").Single();
            static IEnumerable<string> Scalars(string f) => ClinicaDl.Formats.TensorBoard.EventFileReader.ReadScalars(f).Select(e => $"{e.Tag} {e.Step} {e.Value}");
            Assert.Equal(Scalars(events), Scalars(other));
        }
    }

    private static IEnumerable<string> WithoutTime(string trainingTsv)
        => TsvTable.Read(trainingTsv).Rows.Select(r => string.Join("\t", r.Where((_, i) => i != 2)));

    [Fact]
    public void Resume_FinishedFold_IsLeftAlone()
    {
        string output = data.NewOutput("finished");
        new TrainingRun(Options(NetworkType.Cnn, output) with { Optimization = new OptimizationOptions(Epochs: 1) }).Execute();
        var before = Directory.GetFiles(output, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        TrainingRun.Resume(output, null);
        foreach (var (file, time) in before)
            Assert.Equal(time, File.GetLastWriteTimeUtc(file));
    }

    [Fact]
    public void Resume_NotAResultsFolder_NamesIt()
    {
        string folder = data.NewOutput("empty");
        Directory.CreateDirectory(folder);
        var r = CliRunner.Run("train", "resume", folder);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("commandline.json", r.Error);
    }
}
