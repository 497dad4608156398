using ClinicaDl.Errors;
using ClinicaDl.Outputs.Plots;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Outputs.Plots;

public sealed class TrainingCurveTests
{
    [Fact]
    public void Read_CnnTable_SelectsBestEpochsOnEpochEndsOnly_FirstOfTies()
    {
        using var dir = new TempDir();
        var curve = TrainingCurve.Read(TrainingTables.WriteCnn(dir.Combine("training.tsv")));

        Assert.True(curve.HasBalancedAccuracy);
        Assert.Equal(8, curve.Points.Count);
        Assert.Equal([0, 1, 2, 3], curve.EpochEnds.Select(p => p.Epoch));
        Assert.All(curve.EpochEnds, p => Assert.Equal(4, p.Iteration));
        Assert.Equal(2, curve.BestBalancedAccuracyEpoch); // 0.8 at epochs 2 and 3: the first
        Assert.Equal(1, curve.BestLossEpoch);
    }

    [Fact]
    public void Read_MidEpochRows_SitBetweenThePreviousEpochEndAndTheirOwn()
    {
        using var dir = new TempDir();
        var curve = TrainingCurve.Read(TrainingTables.WriteCnn(dir.Combine("training.tsv")));

        // 5 batches per epoch: iteration 1 is 2/5 of the way through its epoch.
        Assert.Equal([-0.6, 0, 0.4, 1, 1.4, 2, 2.4, 3], curve.Points.Select(p => Math.Round(p.Position, 6)));
        Assert.Equal([false, true, false, true, false, true, false, true], curve.Points.Select(p => p.EndOfEpoch));
    }

    [Fact]
    public void Read_AutoencoderTable_HasLossOnly()
    {
        using var dir = new TempDir();
        var curve = TrainingCurve.Read(TrainingTables.WriteAutoencoder(dir.Combine("training.tsv")));

        Assert.False(curve.HasBalancedAccuracy);
        Assert.Null(curve.BestBalancedAccuracyEpoch);
        Assert.Equal(2, curve.BestLossEpoch);
        Assert.All(curve.Points, p => Assert.Null(p.ValidBalancedAccuracy));
        Assert.Equal([0.0, 1, 2], curve.Points.Select(p => p.Position));
    }

    [Fact]
    public void Read_NanLoss_IsNeverSelected()
    {
        using var dir = new TempDir();
        string path = TrainingTables.Write(dir.Combine("training.tsv"), TrainingTables.AutoencoderHeader,
            ["0\t0\t1.0\tnan\tnan", "1\t0\t2.0\t3.0\t4.0", "2\t0\t3.0\tinf\t5.0"]);

        var curve = TrainingCurve.Read(path);

        Assert.True(double.IsNaN(curve.Points[0].ValidLoss));
        Assert.True(double.IsPositiveInfinity(curve.Points[2].TrainLoss));
        Assert.Equal(1, curve.BestLossEpoch);
    }

    [Fact]
    public void Read_ValueNotANumber_NamesFileRowAndColumn()
    {
        using var dir = new TempDir();
        string path = TrainingTables.Write(dir.Combine("training.tsv"), TrainingTables.AutoencoderHeader,
            ["0\t0\t1.0\t2.0\t3.0", "1\t0\t2.0\t2.0\tlow"]);

        var e = Assert.Throws<TsvFormatException>(() => TrainingCurve.Read(path));

        Assert.Equal(path, e.Path);
        Assert.Equal(2, e.Row);
        Assert.Contains("\"loss_valid\"", e.Message);
        Assert.Contains("\"low\"", e.Message);
    }

    [Fact]
    public void Read_MissingColumn_ListsTheColumnsFound()
    {
        using var dir = new TempDir();
        string path = TrainingTables.Write(dir.Combine("training.tsv"), "epoch\titeration\tloss_train", ["0\t0\t1.0"]);

        var e = Assert.Throws<TsvFormatException>(() => TrainingCurve.Read(path));

        Assert.Contains("\"loss_valid\" is missing", e.Message);
        Assert.Contains(path, e.Message);
    }
}
