using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Training;

/// <summary>The training loop raises events and writes nothing itself (issue 11): with only a recording subscriber it
/// leaves no file behind, and the events come in the loop's order; with the outputs subscribed, they write the files.</summary>
public sealed class NetworkTrainerEventsTests
{
    /// <summary>One 50³ element per session whose values follow the label (a learnable, deterministic toy).</summary>
    private sealed class ToyElements : IElementSet
    {
        public int Count => 1;
        public string Level => "roi";
        public string Noun => "ROI";
        public int Channels => 1;
        public string Name(int k) => "toy";
        public int[] Shape(int k) => [50, 50, 50];
        public int[]? Origin(int k) => null;

        public int Load(Session session, IReadOnlyList<Memory<float>> destinations)
        {
            var span = destinations[0].Span;
            int seed = int.Parse(session.ParticipantId[4..], System.Globalization.CultureInfo.InvariantCulture);
            for (int i = 0; i < span.Length; i++) span[i] = ((i * 7 + seed * 13) % 17) / 17f * (session.Label == 1 ? 1f : 0.5f);
            return 0;
        }
    }

    private sealed class Recorder : INetworkEvents
    {
        public readonly List<string> Events = [];
        public void Resumed(NetworkMoment at) => Events.Add($"resumed {at.State.Epoch}");
        public void Evaluated(NetworkEvaluation e) => Events.Add($"evaluated {e.Report.Epoch}/{e.Report.Iteration}{(e.Report.EndOfEpoch ? " end" : "")}");
        public void EpochEnded(NetworkMoment at, bool accuracyBest, bool lossBest) => Events.Add($"epoch ended {at.Epoch}, next {at.State.Epoch}, rows {at.State.LogRows}");
        public void Interrupted(NetworkMoment at) => Events.Add($"interrupted {at.State.Epoch}/{at.State.Step}");
        public void Finished(NetworkOutcome outcome) => Events.Add($"finished {outcome.EpochsRun}");
    }

    private static IReadOnlyList<Session> Sessions(int n)
        => Enumerable.Range(0, n).Select(i => new Session($"sub-{i}", "ses-M00", i % 2 == 0 ? "AD" : "CN", i % 2, Session.SingleCohort, "/caps")).ToList();

    private static (List<string> Events, string[] Files) Train(Func<ResultsTree, TrainOptions, IReadOnlyList<INetworkEvents>> outputs, int evaluationSteps, CancellationToken cancel = default)
    {
        using var dir = new TempDir("events");
        var tree = new ResultsTree(Path.Combine(dir.Path, "out"));
        var options = TrainOptions.Defaults(NetworkType.Cnn, "/caps", "/labels", tree.Root) with
        {
            Seed = 3,
            Optimization = new OptimizationOptions(Epochs: 2),
            Computational = new ComputationalOptions(UseCpu: true, BatchSize: 2, EvaluationSteps: evaluationSteps),
        };
        var sessions = Sessions(6);
        using var cache = new PatchCache(sessions, new ToyElements(), new PatchCacheOptions(1, long.MaxValue, dir.Path));
        cache.Start(Enumerable.Range(0, sessions.Count));
        var samples = sessions.Select((s, i) => new ElementSample(s, i, 0)).ToList();
        var plan = new NetworkPlan(new NetworkId(0, null), samples[..4], samples[4..]);
        var task = new ClassificationTask(new Conv4Fc3(0), CPU);
        var recorder = new Recorder();
        var trainer = new NetworkTrainer(options, tree, cache, task, CPU, NullTrainingObserver.Instance, TimeProvider.System,
            (_, _, _, _) => [.. outputs(tree, options), recorder]);
        try
        {
            trainer.Train(plan, cancel);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            task.Model.Dispose();
        }
        var files = Directory.GetFiles(tree.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(tree.Root, f)).Order(StringComparer.Ordinal).ToArray();
        return (recorder.Events, files);
    }

    [Fact]
    public void TheLoopAlone_RaisesItsEventsInOrder_AndWritesNoFile()
    {
        var (events, files) = Train((_, _) => [], evaluationSteps: 1);
        Assert.Empty(files);
        Assert.Equal(
        [
            "evaluated 0/0", "evaluated 0/1", "evaluated 0/1 end", "epoch ended 0, next 1, rows 3",
            "evaluated 1/0", "evaluated 1/1", "evaluated 1/1 end", "epoch ended 1, next 2, rows 6",
            "finished 2",
        ], events);
    }

    [Fact]
    public void TheOutputsSubscribed_WriteTheLogAndTheBestModels_AndRemoveTheCheckpoint()
    {
        var (events, files) = Train((tree, o) =>
        [
            new TrainingLog(tree.TrainingTsv(0, null), tree.TensorBoard(0, null), true, DateTimeOffset.UtcNow),
            new CheckpointStore(tree, o.Optimization, classification: true),
        ], evaluationSteps: 0);
        Assert.Equal(["evaluated 0/1 end", "epoch ended 0, next 1, rows 1", "evaluated 1/1 end", "epoch ended 1, next 2, rows 2", "finished 2"], events);
        Assert.Contains(Path.Combine("fold-0", "training.tsv"), files);
        Assert.Contains(Path.Combine("fold-0", "models", "best_loss", "model_best.pth.tar"), files);
        Assert.Contains(Path.Combine("fold-0", "models", "best_balanced_accuracy", "model_best.pth.tar"), files);
        Assert.DoesNotContain(Path.Combine("fold-0", "models", "checkpoint.pth.tar"), files);
        Assert.DoesNotContain(Path.Combine("fold-0", "models", "optimizer.pth.tar"), files);
        Assert.Contains(files, f => f.StartsWith(Path.Combine("fold-0", "tensorboard_logs", "train"), StringComparison.Ordinal));
    }

    [Fact]
    public void AnInterrupt_IsRaisedWithWhereTheLoopStands_BeforeTheExceptionEndsTheRun()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var (events, files) = Train((_, _) => [], evaluationSteps: 0, cancel.Token);
        Assert.Empty(files);
        // Cancelled before the first batch: the loop stops at the first update boundary (after batch 0).
        Assert.Equal(["interrupted 0/1"], events);
    }
}
