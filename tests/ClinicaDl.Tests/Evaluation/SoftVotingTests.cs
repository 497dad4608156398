using ClinicaDl.Evaluation;

namespace ClinicaDl.Tests.Evaluation;

public sealed class SoftVotingTests
{
    private static RoiPrediction Row(string p, int roi, int truth, int predicted, float p1)
        => new(p, "ses-M00", roi, truth, predicted, 1 - p1, p1, "single");

    [Fact]
    public void ComputeWeights_AreValidationBalancedAccuracies()
    {
        // ROI 0 perfect (bacc 1), ROI 1 always predicts 1 (bacc 0.5).
        var validation = new[]
        {
            Row("sub-1", 0, 1, 1, 0.9f), Row("sub-1", 1, 1, 1, 0.8f),
            Row("sub-2", 0, 0, 0, 0.2f), Row("sub-2", 1, 0, 1, 0.7f),
        };
        var w = SoftVoting.ComputeWeights(validation, 0.0);
        Assert.Equal(1.0, w.ByRoi[0]);
        Assert.Equal(0.5, w.ByRoi[1]);
        Assert.False(w.FellBackToUniform);
    }

    [Fact]
    public void ComputeWeights_ThresholdDropsRois_AndFallsBackToUniform()
    {
        var validation = new[] { Row("sub-1", 0, 1, 1, 0.9f), Row("sub-2", 0, 0, 1, 0.6f), Row("sub-1", 1, 1, 0, 0.4f), Row("sub-2", 1, 0, 0, 0.1f) };
        var dropped = SoftVoting.ComputeWeights(validation, 0.5);
        Assert.True(dropped.FellBackToUniform); // both ROIs have bacc 0.5 ≤ 0.5
        Assert.Equal(1.0, dropped.ByRoi[0]);
        Assert.Equal(1.0, dropped.ByRoi[1]);
    }

    [Fact]
    public void Combine_WeighsProbabilities_AndTiesGoToClassZero()
    {
        var weights = new SoftVoting.Weights(new Dictionary<int, double> { [0] = 3, [1] = 1 }, new Dictionary<int, double>(), false);
        var rows = new[]
        {
            Row("sub-2", 1, 1, 1, 1.0f), Row("sub-2", 0, 1, 0, 0.0f),   // p1 = 0.25 → 0
            Row("sub-1", 0, 0, 1, 0.5f), Row("sub-1", 1, 0, 1, 0.5f),   // tie → 0
        };
        var images = SoftVoting.Combine(rows, weights);
        Assert.Equal(["sub-1", "sub-2"], images.Select(i => i.ParticipantId));
        Assert.Equal(0, images[0].PredictedLabel);
        Assert.Equal(0.25, images[1].Proba1, 6);
        Assert.Equal(0, images[1].PredictedLabel);
        Assert.Equal(1, images[1].TrueLabel);
    }

    [Fact]
    public void Combine_DoesNotModifyItsInputs()
    {
        var rows = new List<RoiPrediction> { Row("sub-1", 0, 1, 1, 0.9f), Row("sub-1", 1, 1, 1, 0.7f) };
        var copy = rows.ToList();
        SoftVoting.Combine(rows, SoftVoting.ComputeWeights(rows, 0));
        Assert.Equal(copy, rows);
    }
}
