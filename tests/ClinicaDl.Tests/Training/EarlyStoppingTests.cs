using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;

namespace ClinicaDl.Tests.Training;

public sealed class EarlyStoppingTests
{
    [Fact]
    public void Step_ZeroPatience_NeverStops()
    {
        var e = new EarlyStopping(0, 0);
        Assert.False(e.Step(null));
        Assert.All(Enumerable.Range(0, 5), _ => Assert.False(e.Step(1.0)));
    }

    [Fact]
    public void Step_ConsumesNoneAndEpochZero_ThenCountsBadEpochs()
    {
        var e = new EarlyStopping(2, 0);
        Assert.False(e.Step(null));   // before epoch 0
        Assert.False(e.Step(1.0));    // epoch 0's loss sets the reference
        Assert.False(e.Step(1.0));    // not better: 1 bad
        Assert.True(e.Step(1.5));     // 2 bad → stop
    }

    [Fact]
    public void Step_ImprovementResetsCount_RespectingTolerance()
    {
        var e = new EarlyStopping(2, 0.1);
        e.Step(null);
        e.Step(1.0);
        Assert.False(e.Step(0.95)); // not below 0.9: bad 1
        Assert.False(e.Step(0.85)); // below 0.9: reset
        Assert.Equal(0.85, e.Best);
        Assert.Equal(0, e.BadEpochs);
    }

    [Fact]
    public void Step_NaN_Stops()
    {
        var e = new EarlyStopping(5, 0);
        e.Step(null);
        e.Step(1.0);
        Assert.True(e.Step(double.NaN));
    }
}
