namespace ClinicaDl.Evaluation;

/// <summary>Image-level soft voting over ROI predictions (spec §7.5 with DESIGN decisions 2 and 3).</summary>
/// <remarks>
/// Weights are each ROI's <b>balanced accuracy on the validation set</b> of the same selection (decision 2;
/// ClinicaDL 0.2.1 used counts of correct predictions, and the train set's own results for the train set —
/// decision 3 uses the validation weights for every subset). ROIs whose balanced accuracy is ≤
/// <c>--selection_threshold</c> get weight 0 (threshold 0 keeps any ROI better than 0); if no ROI is left,
/// every ROI gets the same weight and <see cref="Weights.FellBackToUniform"/> tells the caller to warn.
/// Pure functions: inputs are never modified.
/// </remarks>
public static class SoftVoting
{
    /// <summary>The per-ROI weights and whether the uniform fallback was used.</summary>
    public sealed record Weights(IReadOnlyDictionary<int, double> ByRoi, IReadOnlyDictionary<int, double> BalancedAccuracy, bool FellBackToUniform);

    /// <summary>Weights from the validation ROI-level predictions.</summary>
    public static Weights ComputeWeights(IReadOnlyList<RoiPrediction> validation, double selectionThreshold)
    {
        var byRoi = validation.GroupBy(r => r.RoiId).OrderBy(g => g.Key).ToList();
        var bacc = byRoi.ToDictionary(g => g.Key,
            g => BinaryMetrics.From(g.Select(r => r.TrueLabel).ToList(), g.Select(r => r.PredictedLabel).ToList()).BalancedAccuracy);
        var weights = bacc.ToDictionary(kv => kv.Key, kv => kv.Value > selectionThreshold ? kv.Value : 0.0);
        bool uniform = weights.Count > 0 && weights.Values.All(w => w == 0);
        if (uniform)
            weights = weights.ToDictionary(kv => kv.Key, _ => 1.0);
        return new Weights(weights, bacc, uniform);
    }

    /// <summary>Votes each image of <paramref name="rows"/> with <paramref name="weights"/>; images come out sorted by (cohort, participant, session).</summary>
    /// <exception cref="ArgumentException">An image lacks a weighted ROI or has it twice.</exception>
    public static IReadOnlyList<ImagePrediction> Combine(IReadOnlyList<RoiPrediction> rows, Weights weights)
    {
        var result = new List<ImagePrediction>();
        foreach (var image in rows.GroupBy(r => r.ImageKey).OrderBy(g => g.Key.Cohort, StringComparer.Ordinal)
                     .ThenBy(g => g.Key.ParticipantId, StringComparer.Ordinal).ThenBy(g => g.Key.SessionId, StringComparer.Ordinal))
        {
            var byRoi = image.ToList();
            if (byRoi.Select(r => r.RoiId).Distinct().Count() != byRoi.Count)
                throw new ArgumentException($"{image.Key.ParticipantId}/{image.Key.SessionId} has a ROI predicted twice.", nameof(rows));
            double sum = 0, p0 = 0, p1 = 0;
            foreach (var r in byRoi.OrderBy(r => r.RoiId))
            {
                if (!weights.ByRoi.TryGetValue(r.RoiId, out double w))
                    throw new ArgumentException($"no weight for roi {r.RoiId}.", nameof(weights));
                sum += w;
                p0 += w * r.Proba0;
                p1 += w * r.Proba1;
            }
            if (sum > 0)
            {
                p0 /= sum;
                p1 /= sum;
            }
            var first = byRoi[0];
            result.Add(new ImagePrediction(first.ParticipantId, first.SessionId, first.TrueLabel, p0 >= p1 ? 0 : 1, p0, p1, first.Cohort));
        }
        return result;
    }
}
