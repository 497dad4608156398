using System.Globalization;
using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;

namespace ClinicaDl.Outputs.Plots;

/// <summary>Draws a 2-D saliency map as ClinicaDL 0.2.1's <c>map.jpg</c>: matplotlib's
/// <c>imshow(map, cmap="coolwarm", vmin=-vmax, vmax=vmax)</c> with a colorbar, in its default 640×480 figure.</summary>
/// <remarks>
/// The layout is matplotlib's default, computed the way it places them: the axes box of a 6.4×4.8 in figure at 100 dpi
/// (left 0.125, right 0.9, bottom 0.11, top 0.88), of which the colorbar takes 15 % (5 % of gap) on the right, 1/20 as wide as
/// it is tall and as tall as the box; the image keeps square pixels and sits against the colorbar, centred vertically. Row 0 is
/// at the top, pixel centres at integer coordinates, ticks chosen as matplotlib's default locator does (a step of 1, 2, 2.5
/// or 5 × 10ⁿ, at most 9 intervals, fewer on short axes), values beyond ±vmax take the end colours (<see cref="Coolwarm"/>).
/// Each map pixel is drawn as a block (no smoothing); DejaVu Sans (<see cref="PlotFont"/>) at matplotlib's 10 pt.
/// The pixels are not matplotlib's (spec verbs §10.3: not worth mirroring byte for byte): antialiasing, font hinting and the
/// JPEG encoder differ.
/// </remarks>
internal static class SaliencyFigure
{
    /// <summary>The figure's size in pixels (6.4×4.8 in at 100 dpi).</summary>
    public const int Width = 640, Height = 480;

    /// <summary>The JPEG quality of <see cref="Jpeg"/> (without chroma subsampling).</summary>
    public const int JpegQuality = 90;

    private const float Dpi = 100;
    private const float BoxLeft = 0.125f * Width, BoxRight = 0.9f * Width, BoxTop = (1 - 0.88f) * Height, BoxBottom = (1 - 0.11f) * Height;
    private const float Fraction = 0.15f, Pad = 0.05f, ColorbarAspect = 20;
    private const float FontSize = 10 * Dpi / 72, TickLength = 3.5f * Dpi / 72, LineWidth = 0.8f * Dpi / 72;

    /// <summary>Where the image lands in the figure (pixels, origin top left) for a map of <paramref name="rows"/>×<paramref name="columns"/>.</summary>
    public static PixelRect ImageArea(int rows, int columns)
    {
        float boxWidth = (BoxRight - BoxLeft) * (1 - Fraction - Pad), boxHeight = BoxBottom - BoxTop;
        float right = BoxLeft + boxWidth;
        float width = boxWidth, height = boxWidth * rows / columns;
        if (height > boxHeight)
        {
            height = boxHeight;
            width = boxHeight * columns / rows;
        }
        float top = BoxTop + (boxHeight - height) / 2;
        return new PixelRect(right - width, right, top + height, top);
    }

    /// <summary>Where the colorbar lands (pixels, origin top left); it does not depend on the map.</summary>
    public static PixelRect ColorbarArea()
    {
        float left = BoxLeft + (BoxRight - BoxLeft) * (1 - Fraction);
        return new PixelRect(left, left + (BoxBottom - BoxTop) / ColorbarAspect, BoxBottom, BoxTop);
    }

    /// <summary>The figure of <paramref name="map"/> (C order, <paramref name="rows"/>×<paramref name="columns"/>) as JPEG bytes.</summary>
    /// <param name="map">The map's values, row after row.</param>
    /// <param name="rows">Rows (H): drawn top to bottom.</param>
    /// <param name="columns">Columns (W): drawn left to right.</param>
    /// <param name="vmax">The colour range is [−vmax, vmax] (positive, finite).</param>
    /// <exception cref="ArgumentException">The map's length is not rows × columns, or vmax is not positive and finite.</exception>
    public static byte[] Jpeg(ReadOnlySpan<float> map, int rows, int columns, double vmax)
    {
        using var image = Render(map, rows, columns, vmax);
        using var pixels = image.PeekPixels() ?? throw new InvalidOperationException("SkiaSharp could not read the figure's pixels.");
        // Full-resolution colour (4:4:4): a map's colour may change from one pixel to the next.
        using var jpeg = pixels.Encode(new SKJpegEncoderOptions(JpegQuality, SKJpegEncoderDownsample.Downsample444, SKJpegEncoderAlphaOption.Ignore))
            ?? throw new InvalidOperationException("SkiaSharp could not encode the map as JPEG.");
        return jpeg.ToArray();
    }

    /// <summary>The figure as an image (RGB on white).</summary>
    public static SKImage Render(ReadOnlySpan<float> map, int rows, int columns, double vmax)
    {
        if (rows < 1 || columns < 1 || map.Length != rows * columns)
            throw new ArgumentException($"{map.Length} values for a {rows}×{columns} map.", nameof(map));
        if (!(vmax > 0) || !double.IsFinite(vmax))
            throw new ArgumentException($"vmax must be positive and finite, not {vmax}.", nameof(vmax));
        PlotFont.EnsureRegistered();
        var values = new double[rows, columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                values[r, c] = map[r * columns + c];
        var ramp = new double[Coolwarm.Entries, 2]; // two columns: ScottPlot sizes cells from the column count
        for (int i = 0; i < Coolwarm.Entries; i++)
            ramp[Coolwarm.Entries - 1 - i, 0] = ramp[Coolwarm.Entries - 1 - i, 1] = -vmax + 2 * vmax * (i + 0.5) / Coolwarm.Entries; // top row: +vmax

        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"SkiaSharp could not create a {Width}x{Height} surface.");
        surface.Canvas.Clear(SKColors.White);
        var area = ImageArea(rows, columns);
        using (var plot = Panel(values, area, vmax, new CoordinateRect(-0.5, columns - 0.5, -0.5, rows - 0.5)))
        {
            // Row r is drawn at y = rows - 1 - r (row 0 on top), labelled r as imshow's inverted axis.
            SetTicks(plot.Axes.Bottom, -0.5, columns - 0.5, area.Width, vertical: false, v => v);
            SetTicks(plot.Axes.Left, -0.5, rows - 0.5, area.Height, vertical: true, v => rows - 1 - v);
            plot.Axes.Right.SetTicks([], []);
            Draw(plot, surface.Canvas);
        }
        var bar = ColorbarArea();
        using (var plot = Panel(ramp, bar, vmax, new CoordinateRect(0, 1, -vmax, vmax), rightAxis: true))
        {
            SetTicks(plot.Axes.Right, -vmax, vmax, bar.Height, vertical: true, v => v);
            plot.Axes.Bottom.SetTicks([], []);
            plot.Axes.Left.SetTicks([], []);
            Draw(plot, surface.Canvas);
        }
        return surface.Snapshot();
    }

    /// <summary>A plot whose data area is exactly <paramref name="area"/>, showing <paramref name="values"/> over <paramref name="extent"/>.</summary>
    private static Plot Panel(double[,] values, PixelRect area, double vmax, CoordinateRect extent, bool rightAxis = false)
    {
        var plot = new Plot();
        plot.Font.Set(PlotFont.Family);
        plot.FigureBackground.Color = Colors.Transparent;
        plot.DataBackground.Color = Colors.White;
        plot.HideGrid();
        plot.Layout.Fixed(area);
        Heatmap heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = Coolwarm.Instance;
        heatmap.ManualRange = new ScottPlot.Range(-vmax, vmax);
        heatmap.Rectangle = extent;
        heatmap.Smooth = false;
        heatmap.Axes.XAxis = plot.Axes.Bottom;
        heatmap.Axes.YAxis = rightAxis ? plot.Axes.Right : plot.Axes.Left;
        plot.Axes.SetLimits(extent.Left, extent.Right, extent.Bottom, extent.Top, heatmap.Axes.XAxis, heatmap.Axes.YAxis);
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left, plot.Axes.Top, plot.Axes.Right })
        {
            axis.FrameLineStyle.Width = LineWidth;
            axis.FrameLineStyle.Color = Colors.Black;
            axis.MajorTickStyle.Length = TickLength;
            axis.MajorTickStyle.Width = LineWidth;
            axis.MajorTickStyle.Color = Colors.Black;
            axis.MinorTickStyle.Length = 0;
            axis.TickLabelStyle.FontName = PlotFont.Family;
            axis.TickLabelStyle.FontSize = FontSize;
            axis.TickLabelStyle.ForeColor = Colors.Black;
        }
        plot.Axes.Top.SetTicks([], []);
        return plot;
    }

    /// <summary>Renders <paramref name="plot"/> on its own transparent surface, then over <paramref name="canvas"/> (ScottPlot clears the canvas it renders on).</summary>
    private static void Draw(Plot plot, SKCanvas canvas)
    {
        using var layer = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"SkiaSharp could not create a {Width}x{Height} surface.");
        plot.Render(layer);
        using var image = layer.Snapshot();
        canvas.DrawImage(image, 0, 0);
    }

    /// <summary>Ticks of an axis spanning [<paramref name="low"/>, <paramref name="high"/>] over <paramref name="pixels"/>, placed as
    /// matplotlib's default locator places them, labelled as its default formatter does (common decimals, "−" for minus); a
    /// labelled value sits at <paramref name="position"/>(value) (the image's vertical axis counts rows downwards).</summary>
    private static void SetTicks(IAxis axis, double low, double high, double pixels, bool vertical, Func<double, double> position)
    {
        var ticks = TickValues(low, high, pixels, vertical);
        int decimals = ticks.Count < 2 ? 0 : Decimals(ticks[1] - ticks[0]);
        axis.SetTicks([.. ticks.Select(position)], [.. ticks.Select(t => Format(t, decimals))]);
    }

    /// <summary>matplotlib's <c>MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10])</c>: at most one interval per 3 font sizes of a
    /// horizontal axis (2 of a vertical one), and at most 9; the smallest nice step giving that many; the multiples of it in range.</summary>
    internal static IReadOnlyList<double> TickValues(double low, double high, double pixels, bool vertical)
    {
        double points = pixels / Dpi * 72, fontPoints = 10;
        int bins = Math.Clamp((int)Math.Floor(points / (fontPoints * (vertical ? 2 : 3))), 1, 9);
        double raw = (high - low) / bins;
        double scale = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(s => s * scale).First(s => s >= raw * (1 - 1e-9));
        var ticks = new List<double>();
        for (double k = Math.Ceiling(low / step - 1e-9); k * step <= high + step * 1e-9; k++)
            ticks.Add(Math.Abs(k) < 0.5 ? 0 : k * step);
        return ticks;
    }

    private static int Decimals(double step)
    {
        for (int d = 0; d < 10; d++)
            if (Math.Abs(step * Math.Pow(10, d) - Math.Round(step * Math.Pow(10, d))) < 1e-6) return d;
        return 10;
    }

    private static string Format(double value, int decimals)
    {
        string text = Math.Abs(value).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return value < 0 && text.Any(ch => ch is >= '1' and <= '9') ? "\u2212" + text : text;
    }
}
