using ClinicaDl.Tests.Outputs.Plots;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Cli;

public sealed class PlotCommandTests
{
    [Fact]
    public void Plot_ResultsFolder_RedrawsEveryPlot()
    {
        using var dir = new TempDir();
        TrainingTables.WriteCnn(dir.Combine("fold-0", "training.tsv"));

        var result = CliRunner.Run("plot", dir.Path);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.True(File.Exists(dir.Combine("fold-0", "training.png")));
        Assert.True(File.Exists(dir.Combine("training_summary.png")));
        Assert.Contains("2 plot(s) written", result.Output);
    }

    [Fact]
    public void Plot_FolderWithoutTrainingTsv_ExitsTwoNamingTheFolder()
    {
        using var dir = new TempDir();

        var result = CliRunner.Run("plot", dir.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(dir.Path, result.Error);
        Assert.Contains("holds no training.tsv", result.Error);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Plot_MissingFolder_ExitsTwo()
    {
        using var dir = new TempDir();

        var result = CliRunner.Run("plot", dir.Combine("absent"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(dir.Combine("absent"), result.Error);
    }

    [Fact]
    public void Plot_MalformedTrainingTsv_ExitsTwoNamingTheRow()
    {
        using var dir = new TempDir();
        TrainingTables.Write(dir.Combine("fold-0", "training.tsv"), TrainingTables.AutoencoderHeader, ["0\t0\t1.0\tx\t2.0"]);

        var result = CliRunner.Run("plot", dir.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("training.tsv, row 1", result.Error);
    }
}
