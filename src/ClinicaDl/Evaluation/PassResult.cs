namespace ClinicaDl.Evaluation;

/// <summary>The outcome of one evaluation pass over a subset.</summary>
/// <param name="Rows">ROI-level predictions in evaluation order (classification; empty for the autoencoder).</param>
/// <param name="Metrics">ROI-level metrics (null for the autoencoder).</param>
/// <param name="TotalLoss">Sum of the per-element losses (summed cross-entropy; for the autoencoder, each element's mean squared error summed).</param>
/// <param name="Count">Number of elements.</param>
public sealed record PassResult(IReadOnlyList<RoiPrediction> Rows, BinaryMetrics? Metrics, double TotalLoss, int Count)
{
    /// <summary>Total loss divided by the number of elements (decision 13).</summary>
    public double MeanLoss => Count == 0 ? double.NaN : TotalLoss / Count;

    /// <summary>Balanced accuracy, or null without metrics.</summary>
    public double? BalancedAccuracy => Metrics?.BalancedAccuracy;
}
