using ClinicaDl.Evaluation;
using ClinicaDl.Formats.TensorBoard;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Options;
using ClinicaDl.Training;

namespace ClinicaDl.Outputs;

/// <summary>A network's learning curves: <c>training.tsv</c> and the train/validation TensorBoard event files (spec §7.7).</summary>
/// <remarks>Rows and events are kept in memory and each file is rewritten atomically on <see cref="Flush"/>, so a crash never leaves a torn file.</remarks>
public sealed class TrainingLog : INetworkEvents
{
    private readonly string tsvPath;
    private readonly bool classification;
    private readonly bool variational;
    private readonly List<IReadOnlyList<object?>> rows = [];
    private readonly EventFileWriter trainEvents;
    private readonly EventFileWriter validEvents;

    /// <summary>Opens the log of one network, empty or continuing a resumed run.</summary>
    /// <param name="tsvPath">The <c>training.tsv</c> path.</param>
    /// <param name="tensorboardDir">The folder holding <c>train/</c> and <c>validation/</c>.</param>
    /// <param name="classification">True for CNNs (balanced accuracy columns), false for the autoencoder.</param>
    /// <param name="now">Creation time of the event files.</param>
    /// <param name="resume">When continuing from a checkpoint: the rows of training.tsv to keep and the last TensorBoard step
    /// to keep; whatever was logged after the checkpoint is dropped, since the resumed run logs it again. Null starts empty.</param>
    /// <param name="variational">True for VConv5_FC3: training.tsv gains <c>kl_loss_train</c>, <c>kl_loss_valid</c> (spec modes §3.5);
    /// TensorBoard still gets only balanced accuracy and loss.</param>
    public TrainingLog(string tsvPath, string tensorboardDir, bool classification, DateTimeOffset now, (int Rows, long LastStep)? resume = null, bool variational = false)
    {
        this.tsvPath = tsvPath;
        this.classification = classification;
        this.variational = variational;
        long dropAfter = resume?.LastStep ?? long.MinValue;
        trainEvents = EventFileWriter.OpenOrCreate(Path.Combine(tensorboardDir, "train"), now, dropAfter);
        validEvents = EventFileWriter.OpenOrCreate(Path.Combine(tensorboardDir, "validation"), now, dropAfter);
        if (resume is { Rows: > 0 } r && File.Exists(tsvPath))
            rows.AddRange(TsvTable.Read(tsvPath).Rows.Take(r.Rows).Select(row => (IReadOnlyList<object?>)row));
    }

    /// <summary>Rows logged so far.</summary>
    public int RowCount => rows.Count;

    /// <summary>The training loop's evaluations: each is added and written at once.</summary>
    void INetworkEvents.Evaluated(NetworkEvaluation evaluation)
    {
        var r = evaluation.Report;
        Add(r.Epoch, r.Iteration, r.Seconds, r.TrainLoss, r.ValidLoss, r.TrainBalancedAccuracy, r.ValidBalancedAccuracy, evaluation.TensorBoardStep, evaluation.WallTime,
            r.TrainKlLoss, r.ValidKlLoss);
        Flush();
    }

    /// <summary>Adds one evaluation: a training.tsv row and the scalars at TensorBoard step <paramref name="step"/>; a variational
    /// network's row ends with the mean KL terms <paramref name="trainKl"/> and <paramref name="validKl"/>.</summary>
    public void Add(int epoch, int iteration, double seconds, double trainLoss, double validLoss, double? trainBacc, double? validBacc, long step, DateTimeOffset wallTime,
        double? trainKl = null, double? validKl = null)
    {
        rows.Add((classification, variational) switch
        {
            (true, true) => [epoch, iteration, seconds, trainBacc, trainLoss, validBacc, validLoss, trainKl, validKl],
            (true, false) => [epoch, iteration, seconds, trainBacc, trainLoss, validBacc, validLoss],
            _ => [epoch, iteration, seconds, trainLoss, validLoss],
        });
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
        var columns = !classification ? ResultTables.AutoencoderTrainingColumns
            : variational ? ResultTables.VariationalTrainingColumns : ResultTables.CnnTrainingColumns;
        TsvWriter.Write(tsvPath, columns, rows);
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
