using System.Globalization;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Tests.Support;

/// <summary>Checks on ClinicaDL result tables shared by the end-to-end tests.</summary>
internal static class ResultChecks
{
    public static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    public static readonly string[] RoiPrediction = ["participant_id", "session_id", "roi_id", "true_label", "predicted_label", "proba0", "proba1"];
    public static readonly string[] ImagePrediction = ["participant_id", "session_id", "true_label", "predicted_label", "proba0", "proba1"];
    public static readonly string[] RoiMetrics = ["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv", "total_loss", "total_kl_loss", "roi_id"];
    public static readonly string[] ImageMetrics = ["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv"];

    /// <summary>Probabilities sum to 1 and the predicted label is their argmax (ties → 0).</summary>
    public static void CheckProbabilities(TsvTable table)
    {
        int p0 = table.IndexOf("proba0"), p1 = table.IndexOf("proba1"), pred = table.IndexOf("predicted_label");
        foreach (var row in table.Rows)
        {
            Assert.Equal(1.0, D(row[p0]) + D(row[p1]), 5);
            Assert.Equal(D(row[p0]) >= D(row[p1]) ? "0" : "1", row[pred]);
        }
    }

    /// <summary>The metrics row equals the metrics recomputed from the prediction rows.</summary>
    public static void CheckMetrics(TsvTable predictions, string[] metricsRow, IReadOnlyList<string> columns)
    {
        var truth = predictions.Rows.Select(r => int.Parse(r[predictions.IndexOf("true_label")], CultureInfo.InvariantCulture)).ToList();
        var predicted = predictions.Rows.Select(r => int.Parse(r[predictions.IndexOf("predicted_label")], CultureInfo.InvariantCulture)).ToList();
        var m = BinaryMetrics.From(truth, predicted);
        var expected = new Dictionary<string, double>
        {
            ["accuracy"] = m.Accuracy,
            ["balanced_accuracy"] = m.BalancedAccuracy,
            ["sensitivity"] = m.Sensitivity,
            ["specificity"] = m.Specificity,
            ["ppv"] = m.Ppv,
            ["npv"] = m.Npv,
        };
        foreach (var (name, value) in expected)
            Assert.Equal(value, D(metricsRow[columns.ToList().IndexOf(name)]), 12);
    }

    /// <summary>Image rows are the soft vote of the ROI rows with the given per-ROI weights.</summary>
    public static void CheckSoftVoting(TsvTable roi, TsvTable image, IReadOnlyDictionary<int, double> weights)
    {
        var byImage = roi.Rows.GroupBy(r => (r[0], r[1])).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(byImage.Count, image.Rows.Count);
        foreach (var row in image.Rows)
        {
            var rows = byImage[(row[0], row[1])];
            double sum = 0, p1 = 0;
            foreach (var r in rows)
            {
                double w = weights[int.Parse(r[2], CultureInfo.InvariantCulture)];
                sum += w;
                p1 += w * D(r[6]);
            }
            Assert.Equal(p1 / sum, D(row[5]), 6);
            Assert.Equal(rows[0][3], row[2]);
        }
    }
}
