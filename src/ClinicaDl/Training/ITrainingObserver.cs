namespace ClinicaDl.Training;

/// <summary>Importance of a message raised by the library (ClinicaDL's logging levels).</summary>
public enum MessageLevel
{
    /// <summary>Details (shown with <c>-vv</c>).</summary>
    Debug,
    /// <summary>Progress (shown with <c>-v</c>).</summary>
    Info,
    /// <summary>Something the user should know (always shown unless <c>--quiet</c>).</summary>
    Warning,
}

/// <summary>Which network of a fold is training: the single cnn/autoencoder (<c>Network = null</c>) or multicnn network k.</summary>
public readonly record struct NetworkId(int Fold, int? Network)
{
    /// <summary>"fold 0" or "fold 0, cnn-1".</summary>
    public override string ToString() => Network is int k ? $"fold {Fold}, cnn-{k}" : $"fold {Fold}";
}

/// <summary>A training step's outcome; <see cref="Loss"/> is the batch's loss per element.</summary>
public readonly record struct StepReport(NetworkId Id, int Epoch, int Step, int StepsPerEpoch, double Loss, int ImagesCached, int ImagesTotal);

/// <summary>Metrics of one evaluation pass during training (one training.tsv row).</summary>
/// <param name="Id">The network.</param>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Iteration">0-based batch index of the evaluation.</param>
/// <param name="EndOfEpoch">True at the end of an epoch, false for mid-epoch evaluations.</param>
/// <param name="Seconds">Seconds since the network started training.</param>
/// <param name="TrainLoss">Mean train loss.</param>
/// <param name="ValidLoss">Mean validation loss.</param>
/// <param name="TrainBalancedAccuracy">Train balanced accuracy (null for the autoencoder).</param>
/// <param name="ValidBalancedAccuracy">Validation balanced accuracy (null for the autoencoder).</param>
/// <param name="BestAccuracy">This epoch became the best by balanced accuracy.</param>
/// <param name="BestLoss">This epoch became the best by loss.</param>
/// <param name="Epochs">Maximum epochs.</param>
/// <param name="TrainKlLoss">Mean train KL term of a variational network (VConv5_FC3; not part of <paramref name="TrainLoss"/>), else null.</param>
/// <param name="ValidKlLoss">Mean validation KL term of a variational network, else null.</param>
public sealed record EpochReport(NetworkId Id, int Epoch, int Iteration, bool EndOfEpoch, double Seconds,
    double TrainLoss, double ValidLoss, double? TrainBalancedAccuracy, double? ValidBalancedAccuracy,
    bool BestAccuracy, bool BestLoss, int Epochs, double? TrainKlLoss = null, double? ValidKlLoss = null);

/// <summary>Receives what the library does; the CLI turns these into progress displays and log lines (STYLE §5, §16).</summary>
/// <remarks>Called on the training thread, except <see cref="ImageCached"/>, which decoding threads call.</remarks>
public interface ITrainingObserver
{
    /// <summary>A message for the log.</summary>
    void Message(MessageLevel level, string text);

    /// <summary>A network starts training.</summary>
    void NetworkStarted(NetworkId id, int epochs, int stepsPerEpoch, int trainElements, int validElements);

    /// <summary>A training step finished.</summary>
    void StepCompleted(StepReport report);

    /// <summary>An evaluation (mid-epoch or end of epoch) finished.</summary>
    void EvaluationCompleted(EpochReport report);

    /// <summary>A network finished (early stop or last epoch).</summary>
    void NetworkCompleted(NetworkId id, int epochsRun, bool stoppedEarly);

    /// <summary>One more image decoded into the patch cache.</summary>
    void ImageCached(int cached, int total);
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullTrainingObserver : ITrainingObserver
{
    /// <summary>The shared instance.</summary>
    public static readonly NullTrainingObserver Instance = new();

    /// <inheritdoc />
    public void Message(MessageLevel level, string text) { }
    /// <inheritdoc />
    public void NetworkStarted(NetworkId id, int epochs, int stepsPerEpoch, int trainElements, int validElements) { }
    /// <inheritdoc />
    public void StepCompleted(StepReport report) { }
    /// <inheritdoc />
    public void EvaluationCompleted(EpochReport report) { }
    /// <inheritdoc />
    public void NetworkCompleted(NetworkId id, int epochsRun, bool stoppedEarly) { }
    /// <inheritdoc />
    public void ImageCached(int cached, int total) { }
}
