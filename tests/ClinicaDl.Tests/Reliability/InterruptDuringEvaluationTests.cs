using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;

namespace ClinicaDl.Tests.Reliability;

/// <summary>An interrupt reaches the evaluation passes: a pass stops at its next batch instead of running to its end, the
/// checkpoint makes the resumed run evaluate again, and the resumed run ends as an uninterrupted one.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class InterruptDuringEvaluationTests(SyntheticCapsFixture data)
{
    /// <summary>Cancels the run after the training step <paramref name="at"/> picks (what Ctrl-C does, at a deterministic moment),
    /// and counts the evaluations that end after it.</summary>
    private sealed class Interrupter(Func<StepReport, bool> at, CancellationTokenSource source) : ITrainingObserver
    {
        public int EvaluationsAfterCancel { get; private set; }
        public void Message(MessageLevel level, string text) { }
        public void NetworkStarted(NetworkId id, int epochs, int stepsPerEpoch, int trainElements, int validElements) { }
        public void StepCompleted(StepReport report)
        {
            if (!source.IsCancellationRequested && at(report)) source.Cancel();
        }
        public void EvaluationCompleted(EpochReport report)
        {
            if (source.IsCancellationRequested) EvaluationsAfterCancel++;
        }
        public void NetworkCompleted(NetworkId id, int epochsRun, bool stoppedEarly) { }
        public void ImageCached(int cached, int total) { }
    }

    private TrainOptions Options(string output, int batchSize, int evaluationSteps, int accumulation) => TrainOptions.Defaults(NetworkType.Cnn, data.Caps, data.Labels, output) with
    {
        Computational = new ComputationalOptions(UseCpu: true, NProc: 2, BatchSize: batchSize, EvaluationSteps: evaluationSteps, Threads: 1),
        CrossValidation = new CrossValidationOptions(2, [1]),
        Optimization = new OptimizationOptions(Epochs: 2, LearningRate: 1e-3, Dropout: 0.2, AccumulationSteps: accumulation),
        Seed = 13,
    };

    /// <summary>Interrupts with <paramref name="at"/>, checks that no evaluation ended after the interrupt, resumes, and compares with an uninterrupted run.</summary>
    private void InterruptResumeAndCompare(Func<string, TrainOptions> options, Func<StepReport, bool> at, string name)
    {
        string reference = data.NewOutput($"ref-{name}"), resumed = data.NewOutput($"resumed-{name}");
        new TrainingRun(options(reference)).Execute();

        using var cts = new CancellationTokenSource();
        var interrupter = new Interrupter(at, cts);
        Assert.Throws<OperationCanceledException>(() => new TrainingRun(options(resumed), interrupter).Execute(cts.Token));
        Assert.True(cts.IsCancellationRequested);
        Assert.Equal(0, interrupter.EvaluationsAfterCancel);
        Assert.NotEmpty(Directory.GetFiles(resumed, "checkpoint.pth.tar", SearchOption.AllDirectories));

        TrainingRun.Resume(resumed, null);
        ResumeTests.AssertSameFold(reference, resumed, "fold-1");
    }

    [Fact]
    public void InterruptDuringAMidEpochEvaluation_StopsIt_AndTheResumedRunEvaluatesAgain()
        // Batches of 4, an update every 2 batches and an evaluation every 2: step 1 updates, then evaluates.
        => InterruptResumeAndCompare(output => Options(output, 4, 2, 2), r => r.Epoch == 0 && r.Step == 1, "mid");

    [Fact]
    public void InterruptDuringAnEndOfEpochEvaluation_StopsIt_AndTheResumedRunEvaluatesTheEpochAgain()
    {
        // No mid-epoch evaluation, and an accumulation that does not end on the last batch: the last batch of epoch 0
        // does not update, so the interrupt is first seen by the end-of-epoch evaluation.
        var probe = Options(data.NewOutput("probe"), 2, 0, 1);
        var plan = RunPlanner.Plan(probe);
        int batches = (plan.Samples(plan.Folds[0].Train).Count + 1) / 2;
        Assert.True(batches >= 3, $"the fixture gives {batches} batches; the test needs 3");
        int accumulation = batches - 1;
        InterruptResumeAndCompare(output => Options(output, 2, 0, accumulation), r => r.Epoch == 0 && r.Step == batches - 1, "end");
    }
}
