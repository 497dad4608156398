namespace ClinicaDl.Evaluation;

/// <summary>The outcome of one evaluation pass over a subset.</summary>
/// <param name="Rows">ROI-level predictions in evaluation order (classification; empty for the autoencoder).</param>
/// <param name="Metrics">ROI-level metrics (null for the autoencoder).</param>
/// <param name="TotalLoss">Sum of the per-element losses (summed cross-entropy; for the autoencoder, each element's mean squared error summed).</param>
/// <param name="Count">Number of elements.</param>
/// <param name="TotalKlLoss">The variational network's KL term summed over the pass (VConv5_FC3, spec modes §3.5; it is not part of
/// <paramref name="TotalLoss"/>), or null for the other networks.</param>
public sealed record PassResult(IReadOnlyList<RoiPrediction> Rows, BinaryMetrics? Metrics, double TotalLoss, int Count, double? TotalKlLoss = null)
{
    /// <summary>Total loss divided by the number of elements (decision 13).</summary>
    public double MeanLoss => Count == 0 ? double.NaN : TotalLoss / Count;

    /// <summary>Total KL term divided by the number of elements (decision 13, as <see cref="MeanLoss"/>), or null when the network is not variational.</summary>
    public double? MeanKlLoss => TotalKlLoss is double kl ? (Count == 0 ? double.NaN : kl / Count) : null;

    /// <summary>Balanced accuracy, or null without metrics.</summary>
    public double? BalancedAccuracy => Metrics?.BalancedAccuracy;
}
