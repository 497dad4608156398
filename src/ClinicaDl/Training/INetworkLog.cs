namespace ClinicaDl.Training;

/// <summary>Where the trainer logs a network's evaluations (<c>training.tsv</c> and the event files:
/// <c>Outputs.TrainingLog</c>): the loop adds rows, the output layer decides how they are written.</summary>
internal interface INetworkLog : IDisposable
{
    /// <summary>Rows logged so far (kept in the resumable checkpoint).</summary>
    int RowCount { get; }

    /// <summary>Adds one evaluation at TensorBoard step <paramref name="step"/>.</summary>
    void Add(int epoch, int iteration, double seconds, double trainLoss, double validLoss, double? trainBacc, double? validBacc, long step, DateTimeOffset wallTime);

    /// <summary>Writes what was added so far.</summary>
    void Flush();
}

/// <summary>Opens the log of network <paramref name="id"/>, keeping the first <c>Rows</c> rows and the events up to
/// <c>LastStep</c> of a resumed run.</summary>
internal delegate INetworkLog NetworkLogFactory(NetworkId id, bool classification, DateTimeOffset now, (int Rows, long LastStep) resume);
