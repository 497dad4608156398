using ClinicaDl.Evaluation;

namespace ClinicaDl.Tests.Evaluation;

public sealed class BinaryMetricsTests
{
    [Fact]
    public void From_ComputesSpecMetrics()
    {
        // truth 1,1,1,0,0 ; predicted 1,0,1,0,1 → TP 2, FN 1, TN 1, FP 1
        var m = BinaryMetrics.From([1, 1, 1, 0, 0], [1, 0, 1, 0, 1]);
        Assert.Equal((2, 1, 1, 1), (m.TruePositives, m.TrueNegatives, m.FalsePositives, m.FalseNegatives));
        Assert.Equal(0.6, m.Accuracy, 12);
        Assert.Equal(2.0 / 3, m.Sensitivity, 12);
        Assert.Equal(0.5, m.Specificity, 12);
        Assert.Equal((2.0 / 3 + 0.5) / 2, m.BalancedAccuracy, 12);
        Assert.Equal(2.0 / 3, m.Ppv, 12);
        Assert.Equal(0.5, m.Npv, 12);
    }

    [Fact]
    public void From_ZeroDenominators_GiveZero()
    {
        var m = BinaryMetrics.From([0, 0], [0, 0]);
        Assert.Equal(0.0, m.Sensitivity);
        Assert.Equal(1.0, m.Specificity);
        Assert.Equal(0.0, m.Ppv);
        Assert.Equal(0.5, m.BalancedAccuracy);
    }
}
