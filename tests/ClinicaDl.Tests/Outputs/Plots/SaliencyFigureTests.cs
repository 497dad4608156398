using ClinicaDl.Outputs.Plots;
using SkiaSharp;

namespace ClinicaDl.Tests.Outputs.Plots;

/// <summary>The 2-D saliency figure (<c>map.jpg</c>): matplotlib's coolwarm table, its default imshow + colorbar layout and ticks,
/// and a JPEG whose colours follow the map.</summary>
public sealed class SaliencyFigureTests
{
    /// <summary>matplotlib 3.6's <c>cm.coolwarm(i, bytes=True)</c> for a few entries i.</summary>
    [Theory]
    [InlineData(0, 58, 76, 192)]
    [InlineData(1, 59, 77, 193)]
    [InlineData(64, 141, 176, 254)]
    [InlineData(127, 220, 220, 221)]
    [InlineData(128, 221, 220, 219)]
    [InlineData(200, 240, 139, 109)]
    [InlineData(255, 179, 3, 38)]
    public void Coolwarm_Entry_IsMatplotlibs(int entry, int r, int g, int b)
    {
        var c = Coolwarm.Instance.GetColor((entry + 0.5) / Coolwarm.Entries);
        Assert.True(Math.Abs(c.R - r) <= 1 && Math.Abs(c.G - g) <= 1 && Math.Abs(c.B - b) <= 1, $"entry {entry}: ({c.R}, {c.G}, {c.B}), matplotlib ({r}, {g}, {b})");
    }

    [Fact]
    public void Coolwarm_OutOfRange_TakesTheEndColours()
    {
        Assert.Equal(Coolwarm.Instance.GetColor(0), Coolwarm.Instance.GetColor(-3));
        Assert.Equal(Coolwarm.Instance.GetColor(0.9999), Coolwarm.Instance.GetColor(1));
        Assert.Equal(Coolwarm.Instance.GetColor(0.9999), Coolwarm.Instance.GetColor(7));
    }

    /// <summary>matplotlib places the axes of <c>imshow</c> + <c>colorbar</c> in a default figure at these pixels (read from
    /// <c>ax.get_position()</c> × 640×480): the image against the colorbar's gap, square pixels, centred vertically.</summary>
    [Theory]
    [InlineData(224, 224, 107.2, 476.8, 57.6, 427.2)]
    [InlineData(32, 32, 107.2, 476.8, 57.6, 427.2)]
    [InlineData(20, 60, 80, 476.8, 176.2667, 308.5333)]
    [InlineData(60, 20, 353.6, 476.8, 57.6, 427.2)]
    public void ImageArea_IsMatplotlibsLayout(int rows, int columns, double left, double right, double top, double bottom)
    {
        var area = SaliencyFigure.ImageArea(rows, columns);
        Assert.Equal(left, area.Left, 2);
        Assert.Equal(right, area.Right, 2);
        Assert.Equal(top, area.Top, 2);
        Assert.Equal(bottom, area.Bottom, 2);
        var bar = SaliencyFigure.ColorbarArea();
        Assert.Equal(501.6, bar.Left, 2);
        Assert.Equal(520.08, bar.Right, 2);
        Assert.Equal(57.6, bar.Top, 2);
        Assert.Equal(427.2, bar.Bottom, 2);
    }

    /// <summary>The ticks matplotlib draws on a 224×224 map with <c>vmax</c> 0.5, and on a 20×60 map's short vertical axis.</summary>
    [Fact]
    public void TickValues_AreMatplotlibsDefaultTicks()
    {
        Assert.Equal([0, 50, 100, 150, 200], SaliencyFigure.TickValues(-0.5, 223.5, 369.6, vertical: false));
        Assert.Equal([0, 25, 50, 75, 100, 125, 150, 175, 200], SaliencyFigure.TickValues(-0.5, 223.5, 369.6, vertical: true));
        Assert.Equal([-0.4, -0.2, 0, 0.2, 0.4], SaliencyFigure.TickValues(-0.5, 0.5, 369.6, vertical: true).Select(t => Math.Round(t, 10)));
        Assert.Equal([0, 5, 10, 15], SaliencyFigure.TickValues(-0.5, 19.5, 132.27, vertical: true));
        Assert.Equal([0, 10, 20, 30, 40, 50], SaliencyFigure.TickValues(-0.5, 59.5, 396.8, vertical: false));
    }

    /// <summary>A map positive on its left half and negative on its right half: red and blue where they are drawn, the colorbar red
    /// at its top and blue at its bottom, white around.</summary>
    [Fact]
    public void Jpeg_DrawsTheMapInCoolwarm_In640x480Rgb()
    {
        const int rows = 30, columns = 40;
        var map = new float[rows * columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                map[r * columns + c] = c < columns / 2 ? 0.9f : -0.9f;
        map[0] = 0; // one grey cell, top left

        byte[] jpeg = SaliencyFigure.Jpeg(map, rows, columns, vmax: 0.5);
        Assert.Equal([0xFF, 0xD8, 0xFF], jpeg[..3]);
        using var bitmap = SKBitmap.Decode(jpeg);
        Assert.Equal((640, 480), (bitmap.Width, bitmap.Height));
        var area = SaliencyFigure.ImageArea(rows, columns);
        SKColor At(double x, double y) => bitmap.GetPixel((int)x, (int)y);
        double Cell(int r, int c, bool vertical) => vertical ? area.Top + (r + 0.5) * area.Height / rows : area.Left + (c + 0.5) * area.Width / columns;
        SKColor CellColour(int r, int c) => At(Cell(r, c, false), Cell(r, c, true));

        Near(new SKColor(179, 3, 38), CellColour(15, 5));   // saturated positive: coolwarm's last entry
        Near(new SKColor(58, 76, 192), CellColour(15, 35)); // saturated negative: its first entry
        Near(new SKColor(221, 220, 219), CellColour(0, 0)); // zero: the middle grey
        var bar = SaliencyFigure.ColorbarArea();
        Near(new SKColor(179, 3, 38), At((bar.Left + bar.Right) / 2, bar.Top + 3));
        Near(new SKColor(58, 76, 192), At((bar.Left + bar.Right) / 2, bar.Bottom - 3));
        Near(SKColors.White, At(20, 20));
        Near(SKColors.White, At(600, 240));
    }

    [Fact]
    public void Jpeg_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => SaliencyFigure.Jpeg(new float[6], 2, 4, 0.5));
        Assert.Throws<ArgumentException>(() => SaliencyFigure.Jpeg(new float[8], 2, 4, 0));
        Assert.Throws<ArgumentException>(() => SaliencyFigure.Jpeg(new float[8], 2, 4, double.PositiveInfinity));
    }

    private static void Near(SKColor expected, SKColor actual)
        => Assert.True(Math.Abs(expected.Red - actual.Red) <= 12 && Math.Abs(expected.Green - actual.Green) <= 12 && Math.Abs(expected.Blue - actual.Blue) <= 12,
            $"expected about {expected}, drawn {actual}");
}
