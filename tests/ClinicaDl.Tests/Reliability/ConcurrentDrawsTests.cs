using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Reliability;

/// <summary>A run's results depend on its seed alone, not on what other threads of the process draw from LibTorch's
/// process-wide generator (a library user's own torch calls, another training, the test runner's parallel classes).</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class ConcurrentDrawsTests(SyntheticCapsFixture data)
{
    private TrainOptions Options(NetworkType type, string output) => TrainOptions.Defaults(type, data.Caps, data.Labels, output) with
    {
        Computational = new ComputationalOptions(UseCpu: true, NProc: 2, BatchSize: 4, EvaluationSteps: 0, Threads: 1),
        CrossValidation = new CrossValidationOptions(2, [0]),
        Optimization = new OptimizationOptions(Epochs: 2, LearningRate: 1e-3, Dropout: 0.5),
        Seed = 17,
    };

    [Theory]
    [InlineData(NetworkType.Cnn)]
    [InlineData(NetworkType.MultiCnn)]
    public void Train_WhileAnotherThreadSeedsAndDrawsFromLibTorch_GivesTheSameResults(NetworkType type)
    {
        string quiet = data.NewOutput($"quiet-{type}"), busy = data.NewOutput($"busy-{type}");
        new TrainingRun(Options(type, quiet)).Execute();
        using (LibTorchSpinner.Start())
            new TrainingRun(Options(type, busy)).Execute();
        ResumeTests.AssertSameFold(quiet, busy, "fold-0");
    }
}
