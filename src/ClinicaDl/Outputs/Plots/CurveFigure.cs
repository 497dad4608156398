using ScottPlot;
using ScottPlot.Palettes;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace ClinicaDl.Outputs.Plots;

/// <summary>A labelled learning curve to draw: one network's <see cref="TrainingCurve"/> and its name in the legend.</summary>
internal sealed record LabelledCurve(string Label, TrainingCurve Curve);

/// <summary>Draws learning curves into a PNG: a loss panel, and a balanced-accuracy panel for CNNs, side by side.</summary>
/// <remarks>
/// Two layouts. <see cref="Single"/>: one network, train and validation in two colours, the selected best epochs as
/// vertical lines. <see cref="Overlay"/>: several networks (the folds of a run, the networks of a multicnn fold), one
/// colour each, validation solid and train dashed, each network's selected epoch as a diamond on its validation curve.
/// Everything is drawn with the embedded <see cref="PlotFont"/>, on a white background, at a fixed size.
/// </remarks>
internal static class CurveFigure
{
    private const int PanelWidth = 620, LegendWidth = 190, Height = 460;

    private static readonly Color TrainColor = new Category10().GetColor(0);
    private static readonly Color ValidColor = new Category10().GetColor(1);
    private static readonly Color BestLossColor = new Category10().GetColor(2);
    private static readonly Color BestAccuracyColor = new Category10().GetColor(4);

    /// <summary>One network: train vs validation, best epochs marked.</summary>
    public static byte[] Single(TrainingCurve curve, string title)
    {
        var panels = new List<Plot> { SinglePanel(curve, title, Metric.Loss) };
        if (curve.HasBalancedAccuracy) panels.Add(SinglePanel(curve, title, Metric.BalancedAccuracy));
        return Render(panels);
    }

    /// <summary>Several networks in one figure, one colour each.</summary>
    public static byte[] Overlay(IReadOnlyList<LabelledCurve> curves, string title)
    {
        var panels = new List<Plot> { OverlayPanel(curves, title, Metric.Loss) };
        if (curves.Any(c => c.Curve.HasBalancedAccuracy)) panels.Add(OverlayPanel(curves, title, Metric.BalancedAccuracy));
        return Render(panels);
    }

    private enum Metric { Loss, BalancedAccuracy }

    private static Plot SinglePanel(TrainingCurve curve, string title, Metric metric)
    {
        var plot = NewPanel(curve.Points, title, metric);
        AddSeries(plot, curve, metric, train: true, TrainColor, "train");
        AddSeries(plot, curve, metric, train: false, ValidColor, "validation");
        AddBestLine(plot, curve.BestLossEpoch, BestLossColor, LinePattern.Dashed, "best_loss");
        AddBestLine(plot, curve.BestBalancedAccuracyEpoch, BestAccuracyColor, LinePattern.Dotted, "best_balanced_accuracy");
        // Circle the validation value the panel's own selection was made on.
        int? selected = metric == Metric.Loss ? curve.BestLossEpoch : curve.BestBalancedAccuracyEpoch;
        if (selected is int epoch && Value(curve.EpochEnds.First(p => p.Epoch == epoch), metric, train: false) is double y && double.IsFinite(y))
        {
            var mark = plot.Add.Marker(epoch, y, MarkerShape.OpenCircle, 16, metric == Metric.Loss ? BestLossColor : BestAccuracyColor);
            mark.MarkerLineWidth = 2.5f;
        }
        if (metric == Metric.Loss) FitLossAxis(plot, [curve]);
        return plot;
    }

    private static Plot OverlayPanel(IReadOnlyList<LabelledCurve> curves, string title, Metric metric)
    {
        var plot = NewPanel(curves.SelectMany(c => c.Curve.Points), title, metric);
        var palette = new Category10();
        for (int i = 0; i < curves.Count; i++)
        {
            var curve = curves[i].Curve;
            if (metric == Metric.BalancedAccuracy && !curve.HasBalancedAccuracy) continue;
            var color = palette.GetColor(i);
            AddSeries(plot, curve, metric, train: true, color, null);
            AddSeries(plot, curve, metric, train: false, color, null);
            int? selected = metric == Metric.Loss ? curve.BestLossEpoch : curve.BestBalancedAccuracyEpoch;
            if (selected is int epoch && Value(curve.EpochEnds.First(p => p.Epoch == epoch), metric, train: false) is double y && double.IsFinite(y))
            {
                var mark = plot.Add.Marker(epoch, y, MarkerShape.FilledDiamond, 13, color);
                mark.MarkerLineColor = Colors.Black;
                mark.MarkerLineWidth = 1;
            }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = curves[i].Label, LineColor = color, LineWidth = 2.5f });
        }
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "validation", LineColor = Colors.Black, LineWidth = 2 });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "train", LineColor = Colors.Black, LineWidth = 1.5f, LinePattern = LinePattern.Dashed });
        plot.Legend.ManualItems.Add(new LegendItem
        {
            LabelText = metric == Metric.Loss ? "best_loss epoch" : "best epoch (per metric)",
            MarkerShape = MarkerShape.FilledDiamond,
            MarkerSize = 11,
            MarkerFillColor = Colors.Gray,
            MarkerLineColor = Colors.Black,
        });
        if (metric == Metric.Loss) FitLossAxis(plot, curves.Select(c => c.Curve));
        return plot;
    }

    private static Plot NewPanel(IEnumerable<TrainingPoint> points, string title, Metric metric)
    {
        PlotFont.EnsureRegistered();
        var plot = new Plot();
        plot.Title($"{title}: {(metric == Metric.Loss ? "loss" : "balanced accuracy")}", 17);
        plot.XLabel("epoch", 15);
        plot.YLabel(metric == Metric.Loss ? "loss" : "balanced accuracy", 15);
        plot.Axes.Bottom.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true };
        var positions = points.Select(p => p.Position).ToList();
        double first = positions.Count == 0 ? 0 : Math.Min(0, positions.Min()), last = positions.Count == 0 ? 0 : positions.Max();
        plot.Axes.SetLimitsX(first - 0.3, last + 0.3);
        if (metric == Metric.BalancedAccuracy) plot.Axes.SetLimitsY(-0.03, 1.03);
        return plot;
    }

    /// <summary>Loss limits with some room: a nearly flat loss (one epoch, a stalled run) would otherwise fill the panel with 5-digit ticks.</summary>
    private static void FitLossAxis(Plot plot, IEnumerable<TrainingCurve> curves)
    {
        var values = curves.SelectMany(c => c.Points).SelectMany(p => new[] { p.TrainLoss, p.ValidLoss }).Where(double.IsFinite).ToList();
        if (values.Count == 0) return;
        double min = values.Min(), max = values.Max();
        double room = Math.Max((max - min) * 0.08, Math.Max(Math.Abs(min), Math.Abs(max)) * 0.05);
        if (room == 0) room = 1;
        plot.Axes.SetLimitsY(min - room, max + room);
    }

    private static void AddSeries(Plot plot, TrainingCurve curve, Metric metric, bool train, Color color, string? legend)
    {
        var finite = curve.Points.Where(p => Value(p, metric, train) is double v && double.IsFinite(v)).ToList();
        if (finite.Count == 0) return;
        var line = plot.Add.ScatterLine(finite.Select(p => p.Position).ToArray(), finite.Select(p => Value(p, metric, train)!.Value).ToArray(), color);
        line.LineWidth = train ? 1.5f : 2.5f;
        line.LinePattern = train ? LinePattern.Dashed : LinePattern.Solid;
        if (legend is not null) line.LegendText = legend;
        // Dots only on end-of-epoch rows: the ones models are selected on.
        var ends = finite.Where(p => p.EndOfEpoch).ToList();
        if (ends.Count == 0) return;
        var dots = plot.Add.ScatterPoints(ends.Select(p => p.Position).ToArray(), ends.Select(p => Value(p, metric, train)!.Value).ToArray(), color);
        dots.MarkerSize = train ? 5 : 7;
        dots.MarkerShape = train ? MarkerShape.OpenCircle : MarkerShape.FilledCircle;
    }

    private static void AddBestLine(Plot plot, int? epoch, Color color, LinePattern pattern, string selection)
    {
        if (epoch is not int e) return;
        var line = plot.Add.VerticalLine(e, 2, color, pattern);
        line.LegendText = $"{selection}: epoch {e}";
    }

    private static double? Value(TrainingPoint p, Metric metric, bool train) => metric switch
    {
        Metric.Loss => train ? p.TrainLoss : p.ValidLoss,
        _ => train ? p.TrainBalancedAccuracy : p.ValidBalancedAccuracy,
    };

    /// <summary>Panels side by side, the last one with the legend on its right; PNG bytes.</summary>
    private static byte[] Render(IReadOnlyList<Plot> panels)
    {
        try
        {
            int width = PanelWidth * panels.Count + LegendWidth;
            using var surface = SKSurface.Create(new SKImageInfo(width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
                ?? throw new InvalidOperationException($"SkiaSharp could not create a {width}x{Height} surface.");
            var canvas = surface.Canvas;
            canvas.Clear(SKColors.White);
            for (int i = 0; i < panels.Count; i++)
            {
                var plot = panels[i];
                bool last = i == panels.Count - 1;
                plot.Font.Set(PlotFont.Family);
                plot.Legend.FontName = PlotFont.Family;
                plot.Legend.FontSize = 13;
                if (last) plot.ShowLegend(Edge.Right);
                else plot.HideLegend();
                // Each panel on its own surface: ScottPlot clears the whole canvas it is given.
                int panelWidth = last ? PanelWidth + LegendWidth : PanelWidth;
                using var panelSurface = SKSurface.Create(new SKImageInfo(panelWidth, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
                    ?? throw new InvalidOperationException($"SkiaSharp could not create a {panelWidth}x{Height} surface.");
                plot.Render(panelSurface);
                using var panelImage = panelSurface.Snapshot();
                canvas.DrawImage(panelImage, i * PanelWidth, 0);
            }
            using var image = surface.Snapshot();
            using var png = image.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException("SkiaSharp could not encode the plot as PNG.");
            return png.ToArray();
        }
        finally
        {
            foreach (var plot in panels) plot.Dispose();
        }
    }
}
