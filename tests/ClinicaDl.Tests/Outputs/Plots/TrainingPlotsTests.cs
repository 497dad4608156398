using System.Buffers.Binary;
using ClinicaDl.Errors;
using ClinicaDl.Outputs.Plots;
using ClinicaDl.Tests.Support;
using SkiaSharp;

namespace ClinicaDl.Tests.Outputs.Plots;

public sealed class TrainingPlotsTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from the PNG's IHDR chunk, after checking the signature.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 10_000, $"{path}: {bytes.Length} bytes, too small for a drawn plot");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void DrawNetwork_CnnTable_WritesTwoPanelPngBesideTheTable()
    {
        using var dir = new TempDir();
        string tsv = TrainingTables.WriteCnn(dir.Combine("fold-0", "training.tsv"));

        string png = TrainingPlots.DrawNetwork(tsv);

        Assert.Equal(dir.Combine("fold-0", "training.png"), png);
        Assert.Equal((1430, 460), PngSize(png));
        Assert.Empty(Directory.GetFiles(dir.Combine("fold-0"), ".clinicadl-write-*"));
    }

    [Fact]
    public void DrawNetwork_AutoencoderTable_WritesLossPanelOnly()
    {
        using var dir = new TempDir();
        string tsv = TrainingTables.WriteAutoencoder(dir.Combine("training.tsv"));

        string png = TrainingPlots.DrawNetwork(tsv, dir.Combine("ae.png"), "fold-0");

        Assert.Equal(dir.Combine("ae.png"), png);
        Assert.Equal((810, 460), PngSize(png));
    }

    [Fact]
    public void DrawNetwork_Title_IsDrawnWithTheEmbeddedFont()
    {
        using var dir = new TempDir();
        string png = TrainingPlots.DrawNetwork(TrainingTables.WriteAutoencoder(dir.Combine("training.tsv")));

        // ScottPlot asks the resolver for the plots' family: it must be the embedded DejaVu Sans, whatever the system has.
        Assert.Equal("DejaVu Sans", ScottPlot.Fonts.GetTypeface(PlotFont.Family, false, false).FamilyName);
        // The title band (above the data area) holds dark text pixels: without a usable font it would be blank.
        using var bitmap = SKBitmap.Decode(png);
        int dark = 0;
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 620; x++)
                if (bitmap.GetPixel(x, y).Red < 100) dark++;
        Assert.True(dark > 50, $"only {dark} dark pixels in the title band");
    }

    [Fact]
    public void DrawFold_MultiCnn_DrawsEachNetworkBesideItsTableAndTheFold()
    {
        using var dir = new TempDir();
        string fold = dir.Combine("fold-1");
        foreach (int k in new[] { 0, 1, 10 })
            TrainingTables.WriteCnn(Path.Combine(fold, "tensorboard_logs", $"cnn-{k}", "training.tsv"));

        var written = TrainingPlots.DrawFold(fold);

        Assert.Equal(
            [.. new[] { 0, 1, 10 }.Select(k => Path.Combine(fold, "tensorboard_logs", $"cnn-{k}", "training.png")), Path.Combine(fold, "training.png")],
            written);
        foreach (string png in written) Assert.Equal((1430, 460), PngSize(png));
    }

    [Fact]
    public void DrawFold_NoTrainingTsvYet_WritesNothing()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("fold-0", "models"));

        Assert.Empty(TrainingPlots.DrawFold(dir.Combine("fold-0")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.png", SearchOption.AllDirectories));
    }

    [Fact]
    public void DrawSummary_FoldsPresent_WritesOneFigureOverAll()
    {
        using var dir = new TempDir();
        TrainingTables.WriteCnn(dir.Combine("fold-0", "training.tsv"));
        TrainingTables.WriteCnn(dir.Combine("fold-2", "training.tsv"));
        Directory.CreateDirectory(dir.Combine("fold-x"));

        string? png = TrainingPlots.DrawSummary(dir.Path);

        Assert.Equal(dir.Combine("training_summary.png"), png);
        Assert.Equal((1430, 460), PngSize(png!));
    }

    [Fact]
    public void DrawSummary_NoFold_ReturnsNull()
    {
        using var dir = new TempDir();

        Assert.Null(TrainingPlots.DrawSummary(dir.Path));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void DrawAll_ResultsFolder_RedrawsFoldsThenSummary()
    {
        using var dir = new TempDir();
        TrainingTables.WriteAutoencoder(dir.Combine("fold-0", "training.tsv"));
        TrainingTables.WriteAutoencoder(dir.Combine("fold-1", "training.tsv"));

        var written = TrainingPlots.DrawAll(dir.Path);

        Assert.Equal([dir.Combine("fold-0", "training.png"), dir.Combine("fold-1", "training.png"), dir.Combine("training_summary.png")], written);
        Assert.Equal((810, 460), PngSize(written[^1]));
    }

    [Fact]
    public void DrawAll_FolderWithoutTrainingTsv_ThrowsNamingTheFolder()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("fold-0"));

        var e = Assert.Throws<OutputFolderException>(() => TrainingPlots.DrawAll(dir.Path));

        Assert.Equal(dir.Path, e.Path);
        Assert.Contains("holds no training.tsv", e.Message);
        Assert.True(e.IsInputError);
    }
}
