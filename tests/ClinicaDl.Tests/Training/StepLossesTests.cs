using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Training;

/// <summary>The steps' losses read in groups (a GPU run's window) are the values, in the order and with the batch sizes,
/// that reading each at once gives; nothing is reported before its group is read, and nothing read is lost.</summary>
public sealed class StepLossesTests
{
    private static Tensor Loss(float value) => tensor(value).DetachFromDisposeScope();

    [Fact]
    public void AWindow_ReportsEachGroupInStepOrder_AndFlushReadsTheRest()
    {
        var reported = new List<(int Step, int Count, double Loss)>();
        using var losses = new StepLosses(3, (step, count, loss) => reported.Add((step, count, loss)));
        float[] values = [0.5f, 1.25f, 3.1f, 0.2f, 7f];
        for (int i = 0; i < values.Length; i++)
        {
            losses.Add(Loss(values[i]), i, i == 4 ? 2 : 8);
            Assert.Equal(i < 2 ? 0 : 3, reported.Count); // read only when three are waiting
        }
        losses.Flush();
        Assert.Equal(values.Select((v, i) => (i, i == 4 ? 2 : 8, (double)v)), reported);
        losses.Flush();
        Assert.Equal(5, reported.Count);
    }

    [Fact]
    public void WindowOne_ReadsEachLossAsItsStepEnds()
    {
        var reported = new List<double>();
        using var losses = new StepLosses(StepLosses.WindowFor(CPU), (_, _, loss) => reported.Add(loss));
        losses.Add(Loss(2.5f), 0, 8);
        Assert.Equal([2.5], reported);
    }

    [Fact]
    public void AReportThatThrows_StopsTheRun_AfterTheStepsBeforeIt()
    {
        // The trainer's report throws on a non-finite loss: the steps before it are reported, the first bad one named.
        var reported = new List<int>();
        using var losses = new StepLosses(StepLosses.GpuWindow, (step, _, loss) =>
        {
            if (!double.IsFinite(loss)) throw new InvalidOperationException($"step {step}");
            reported.Add(step);
        });
        losses.Add(Loss(1f), 0, 8);
        losses.Add(Loss(float.NaN), 1, 8);
        losses.Add(Loss(float.PositiveInfinity), 2, 8);
        var e = Assert.Throws<InvalidOperationException>(losses.Flush);
        Assert.Equal("step 1", e.Message);
        Assert.Equal([0], reported);
    }

    [Fact]
    public void Dispose_FreesTheLossesNeverRead()
    {
        var kept = Loss(1f);
        var losses = new StepLosses(4, (_, _, _) => throw new InvalidOperationException("not read"));
        losses.Add(kept, 0, 8);
        losses.Dispose();
        Assert.True(kept.IsInvalid);
    }
}
