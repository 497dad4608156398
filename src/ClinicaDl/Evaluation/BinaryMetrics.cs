namespace ClinicaDl.Evaluation;

/// <summary>The binary classification metrics of spec §7.3 (class 1 is positive).</summary>
/// <remarks>Each ratio is 0 when its denominator is 0; balanced accuracy is the mean of sensitivity and specificity.</remarks>
public sealed record BinaryMetrics(
    int TruePositives, int TrueNegatives, int FalsePositives, int FalseNegatives,
    double Accuracy, double BalancedAccuracy, double Sensitivity, double Specificity, double Ppv, double Npv)
{
    /// <summary>Computes the metrics of <paramref name="predicted"/> against <paramref name="truth"/> (labels 0/1).</summary>
    public static BinaryMetrics From(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
    {
        if (truth.Count != predicted.Count)
            throw new ArgumentException($"{truth.Count} true labels for {predicted.Count} predictions.", nameof(predicted));
        int tp = 0, tn = 0, fp = 0, fn = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            bool positive = predicted[i] == 1, actual = truth[i] == 1;
            if (positive && actual) tp++;
            else if (!positive && !actual) tn++;
            else if (positive) fp++;
            else fn++;
        }
        return FromCounts(tp, tn, fp, fn);
    }

    /// <summary>Computes the metrics from the four counts.</summary>
    public static BinaryMetrics FromCounts(int tp, int tn, int fp, int fn)
    {
        static double Ratio(int a, int b) => b == 0 ? 0.0 : (double)a / b;
        double sensitivity = Ratio(tp, tp + fn), specificity = Ratio(tn, tn + fp);
        return new BinaryMetrics(tp, tn, fp, fn,
            Ratio(tp + tn, tp + tn + fp + fn), (sensitivity + specificity) / 2, sensitivity, specificity,
            Ratio(tp, tp + fp), Ratio(tn, tn + fn));
    }
}
