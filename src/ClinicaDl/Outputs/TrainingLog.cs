using ClinicaDl.Outputs.TensorBoard;
using ClinicaDl.Tsv;

namespace ClinicaDl.Outputs;

/// <summary>A network's learning curves: <c>training.tsv</c> and the train/validation TensorBoard event files (spec §7.7).</summary>
/// <remarks>Rows and events are kept in memory and each file is rewritten atomically on <see cref="Flush"/>, so a crash never leaves a torn file.</remarks>
public sealed class TrainingLog : IDisposable
{
    private readonly string tsvPath;
    private readonly bool classification;
    private readonly List<IReadOnlyList<object?>> rows = [];
    private readonly EventFileWriter trainEvents;
    private readonly EventFileWriter validEvents;

    /// <summary>Opens the log of one network.</summary>
    /// <param name="tsvPath">The <c>training.tsv</c> path.</param>
    /// <param name="tensorboardDir">The folder holding <c>train/</c> and <c>validation/</c>.</param>
    /// <param name="classification">True for CNNs (balanced accuracy columns), false for the autoencoder.</param>
    /// <param name="now">Creation time of the event files.</param>
    public TrainingLog(string tsvPath, string tensorboardDir, bool classification, DateTimeOffset now)
    {
        this.tsvPath = tsvPath;
        this.classification = classification;
        trainEvents = EventFileWriter.OpenOrCreate(Path.Combine(tensorboardDir, "train"), now);
        validEvents = EventFileWriter.OpenOrCreate(Path.Combine(tensorboardDir, "validation"), now);
    }

    /// <summary>Adds one evaluation: a training.tsv row and the scalars at TensorBoard step <paramref name="step"/>.</summary>
    public void Add(int epoch, int iteration, double seconds, double trainLoss, double validLoss, double? trainBacc, double? validBacc, long step, DateTimeOffset wallTime)
    {
        rows.Add(classification
            ? [epoch, iteration, seconds, trainBacc, trainLoss, validBacc, validLoss]
            : [epoch, iteration, seconds, trainLoss, validLoss]);
        if (classification)
        {
            trainEvents.AddScalar("balanced_accuracy", (float)trainBacc!.Value, step, wallTime);
            validEvents.AddScalar("balanced_accuracy", (float)validBacc!.Value, step, wallTime);
        }
        trainEvents.AddScalar("loss", (float)trainLoss, step, wallTime);
        validEvents.AddScalar("loss", (float)validLoss, step, wallTime);
    }

    /// <summary>Rewrites training.tsv and both event files.</summary>
    public void Flush()
    {
        TsvWriter.Write(tsvPath, classification ? ResultTables.CnnTrainingColumns : ResultTables.AutoencoderTrainingColumns, rows);
        trainEvents.Flush();
        validEvents.Flush();
    }

    /// <summary>Flushes and closes the event files.</summary>
    public void Dispose()
    {
        trainEvents.Dispose();
        validEvents.Dispose();
    }
}
