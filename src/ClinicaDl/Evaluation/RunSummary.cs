namespace ClinicaDl.Evaluation;

/// <summary>Validation results of one fold and selection, for the final summary.</summary>
/// <param name="Fold">The fold.</param>
/// <param name="Selection"><c>best_balanced_accuracy</c> or <c>best_loss</c>.</param>
/// <param name="Roi">ROI-level validation metrics (all ROIs pooled; for multicnn, all networks pooled).</param>
/// <param name="Image">Image-level (soft-voting) validation metrics.</param>
public sealed record SelectionSummary(int Fold, string Selection, BinaryMetrics Roi, BinaryMetrics Image);

/// <summary>What a training run did, for the CLI's final summary.</summary>
/// <param name="OutputDir">The results folder.</param>
/// <param name="Folds">Folds trained.</param>
/// <param name="Selections">Validation metrics per fold and selection (empty for the autoencoder).</param>
/// <param name="AutoencoderLosses">Best validation mean loss per fold (autoencoder only).</param>
/// <param name="ElementLevel">The element level's name in the summary: "ROI", "slice", ….</param>
public sealed record RunSummary(string OutputDir, IReadOnlyList<int> Folds, IReadOnlyList<SelectionSummary> Selections, IReadOnlyDictionary<int, double> AutoencoderLosses,
    string ElementLevel = "ROI");
