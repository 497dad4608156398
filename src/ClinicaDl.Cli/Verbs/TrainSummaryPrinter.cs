using System.Globalization;
using ClinicaDl.Evaluation;
using Spectre.Console;

namespace ClinicaDl.Cli.Verbs;

/// <summary>The final summary of a training run: validation metrics per fold and selection, mean ± sd over folds, where the results are.</summary>
/// <remarks>
/// The table is a Spectre table on a terminal and fixed-width text otherwise; <c>--quiet</c> leaves it out. The result lines
/// after it (mean image-level balanced accuracy, results folder, TensorBoard command) are plain text in every mode, so
/// scripts and users can copy them.
/// </remarks>
internal static class TrainSummaryPrinter
{
    public static void Print(CliContext context, RunSummary summary)
    {
        if (summary.Selections.Count > 0 && context.Verbosity >= Console.Verbosity.Warning)
        {
            if (context.IsLive) PrintTable(context.Terminal!.Console, summary);
            else PrintText(context.Output, summary);
        }
        var o = context.Output;
        foreach (var (fold, loss) in summary.AutoencoderLosses.OrderBy(kv => kv.Key))
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fold {fold}: best validation loss (mean squared error) {loss:0.######}"));
        var best = summary.Selections.Where(s => s.Selection == "best_balanced_accuracy").Select(s => s.Image.BalancedAccuracy).ToList();
        if (best.Count > 0)
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Validation image-level balanced accuracy (best_balanced_accuracy): {MeanSd(best)}"));
        o.WriteLine($"Results: {Path.GetFullPath(summary.OutputDir)}");
        o.WriteLine($"TensorBoard: tensorboard --logdir {Path.GetFullPath(summary.OutputDir)}");
    }

    private static void PrintText(TextWriter o, RunSummary summary)
    {
        o.WriteLine();
        o.WriteLine("Validation results (balanced accuracy / sensitivity / specificity):");
        o.WriteLine($"{"fold",-5} {"selection",-23} {summary.ElementLevel + " level",-22} {"image level",-22}");
        foreach (var s in summary.Selections)
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Fold,-5} {s.Selection,-23} {Triple(s.Roi),-22} {Triple(s.Image),-22}"));
        foreach (var (selection, roi, image) in Means(summary))
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"mean",-5} {selection,-23} {roi,-22} {image,-22}"));
    }

    private static void PrintTable(IAnsiConsole console, RunSummary summary)
    {
        var table = new Table()
            .Title("Validation results [grey](balanced accuracy / sensitivity / specificity)[/]")
            .AddColumn("fold")
            .AddColumn("selection")
            .AddColumn(new TableColumn(summary.ElementLevel + " level").RightAligned())
            .AddColumn(new TableColumn("image level").RightAligned());
        foreach (var s in summary.Selections)
            table.AddRow(s.Fold.ToString(CultureInfo.InvariantCulture), s.Selection, Triple(s.Roi), Triple(s.Image));
        table.AddEmptyRow();
        foreach (var (selection, roi, image) in Means(summary))
            table.AddRow("[bold]mean[/]", selection, $"[bold]{roi}[/]", $"[bold]{image}[/]");
        console.WriteLine();
        console.Write(table);
    }

    private static IEnumerable<(string Selection, string Roi, string Image)> Means(RunSummary summary)
        => summary.Selections.GroupBy(s => s.Selection).Select(g =>
            (g.Key, MeanSd(g.Select(s => s.Roi.BalancedAccuracy).ToList()), MeanSd(g.Select(s => s.Image.BalancedAccuracy).ToList())));

    private static string Triple(BinaryMetrics m)
        => string.Create(CultureInfo.InvariantCulture, $"{m.BalancedAccuracy:0.000}/{m.Sensitivity:0.000}/{m.Specificity:0.000}");

    private static string MeanSd(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double sd = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{mean:0.000} ± {sd:0.000}");
    }
}
