using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Where a network's training loop stands when it raises an event: its weights, its optimizer and the loop
/// state (<see cref="ResumeState"/>) as a checkpoint would store them, with the epoch and the validation metrics that
/// the checkpoint records (ClinicaDL's <c>epoch</c>, <c>valid_loss</c>, <c>valid_acc</c>).</summary>
internal sealed record NetworkMoment(NetworkId Id, nn.Module Model, TorchSharp.Modules.Adam Optimizer, ResumeState State,
    int Epoch, double? ValidLoss, double? ValidBalancedAccuracy);

/// <summary>One evaluation of the loop (mid-epoch or end of epoch): one <c>training.tsv</c> row and its TensorBoard
/// scalars at <see cref="TensorBoardStep"/>; <see cref="Report"/> is what the console shows of it.</summary>
internal sealed record NetworkEvaluation(EpochReport Report, long TensorBoardStep, DateTimeOffset WallTime);

/// <summary>What one network's training loop (<see cref="NetworkTrainer"/>) raises, in the order it happens; the outputs
/// subscribe and do the writing (<c>Outputs.TrainingLog</c>: training.tsv and the event files; <c>Outputs.CheckpointStore</c>:
/// checkpoints, best models and the optimizer file), as MONAI's engines fire events and its handlers write. The loop
/// itself writes nothing. A subscriber that fails (a full disk) stops the training with its exception.</summary>
/// <remarks>Subscribers are told in the order they were given; every method has a default that does nothing.</remarks>
internal interface INetworkEvents : IDisposable
{
    /// <summary>A resumed network continues from its checkpoint (before any batch runs).</summary>
    void Resumed(NetworkMoment at) { }

    /// <summary>An evaluation finished (mid-epoch or end of epoch).</summary>
    void Evaluated(NetworkEvaluation evaluation) { }

    /// <summary>An epoch ended: its evaluation is logged, the loop state moved to the next epoch, and
    /// <paramref name="accuracyBest"/>/<paramref name="lossBest"/> say which selections this epoch's model became the best of.</summary>
    void EpochEnded(NetworkMoment at, bool accuracyBest, bool lossBest) { }

    /// <summary>The loop was interrupted (a signal) at an update boundary; <paramref name="at"/> is what a resumed run continues from.</summary>
    void Interrupted(NetworkMoment at) { }

    /// <summary>The network finished: its last epoch ran, or early stopping ended it.</summary>
    void Finished(NetworkOutcome outcome) { }

    void IDisposable.Dispose() { }
}

/// <summary>Opens the subscribers of network <paramref name="id"/>'s events; <paramref name="resumed"/> is the loop state a
/// resumed run continues from (null for a fresh start), so that a log keeps what was written up to it and drops the rest.</summary>
internal delegate IReadOnlyList<INetworkEvents> NetworkEventsFactory(NetworkId id, bool classification, DateTimeOffset now, ResumeState? resumed);

/// <summary>The console's view of the events (<see cref="ITrainingObserver"/>).</summary>
internal sealed class ObserverEvents(ITrainingObserver observer) : INetworkEvents
{
    public void Evaluated(NetworkEvaluation evaluation) => observer.EvaluationCompleted(evaluation.Report);

    public void Finished(NetworkOutcome outcome) => observer.NetworkCompleted(outcome.Id, outcome.EpochsRun, outcome.StoppedEarly);
}
