namespace ClinicaDl.Outputs.Plots;

/// <summary>One row of a <c>training.tsv</c>: an evaluation during training, placed on the epoch axis.</summary>
/// <param name="Epoch">0-based epoch, as in the file.</param>
/// <param name="Iteration">0-based batch index of the evaluation, as in the file.</param>
/// <param name="Position">Where the row sits on a plot's epoch axis: <see cref="Epoch"/> for an end-of-epoch row, and
/// <c>Epoch - 1 + (Iteration + 1) / batchesPerEpoch</c> for a mid-epoch row (<c>--evaluation_steps</c>), so that the end of
/// epoch <c>e</c> is at <c>e</c> and a mid-epoch evaluation sits between the previous epoch's end and its own.</param>
/// <param name="EndOfEpoch">True for the last row of its epoch (the one the best models are selected on).</param>
/// <param name="TrainLoss">Mean train loss (<c>loss_train</c>).</param>
/// <param name="ValidLoss">Validation loss (<c>loss_valid</c>).</param>
/// <param name="TrainBalancedAccuracy">Train balanced accuracy; null for the autoencoder.</param>
/// <param name="ValidBalancedAccuracy">Validation balanced accuracy; null for the autoencoder.</param>
public readonly record struct TrainingPoint(int Epoch, int Iteration, double Position, bool EndOfEpoch,
    double TrainLoss, double ValidLoss, double? TrainBalancedAccuracy, double? ValidBalancedAccuracy);
