using ClinicaDl.Runs.TsvTool;

namespace ClinicaDl.Tests.Runs.TsvTool;

public sealed class StatisticsTests
{
    [Fact]
    public void TTestPValue_MatchesScipy()
    {
        // scipy.stats.ttest_ind([1,2,3,4,5],[2,4,6,8,10]).pvalue = 0.09434977284243756
        double p = Statistics.TTestPValue([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
        Assert.Equal(0.09434977284243756, p, 1e-9);
    }

    [Fact]
    public void TTestPValue_ConstantEqualSamples_IsOne()
        => Assert.Equal(1.0, Statistics.TTestPValue([60, 60, 60], [60, 60]));

    [Fact]
    public void ChiSquarePValue_WithYates_MatchesScipy()
    {
        // scipy.stats.chi2_contingency([[10, 20], [20, 10]]).pvalue (Yates) = 0.02013675155034633
        double p = Statistics.ChiSquarePValue(new double[,] { { 10, 20 }, { 20, 10 } });
        Assert.Equal(0.02013675155034633, p, 1e-9);
    }

    [Fact]
    public void ChiSquarePValue_ThreeCategories_MatchesScipy()
    {
        // scipy.stats.chi2_contingency([[10, 20, 30], [20, 10, 30]]).pvalue = 0.035673993347252395
        double p = Statistics.ChiSquarePValue(new double[,] { { 10, 20, 30 }, { 20, 10, 30 } });
        Assert.Equal(0.035673993347252395, p, 1e-9);
    }

    [Fact]
    public void ChiSquarePValue_SingleCategory_IsOne()
        => Assert.Equal(1.0, Statistics.ChiSquarePValue(new double[,] { { 5 }, { 3 } }));
}
