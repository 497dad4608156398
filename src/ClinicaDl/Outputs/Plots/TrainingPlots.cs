using System.Globalization;
using ClinicaDl.Errors;
using ClinicaDl.Formats;

namespace ClinicaDl.Outputs.Plots;

/// <summary>Learning-curve plots of a results folder, drawn from its <c>training.tsv</c> files (our extra outputs, not in ClinicaDL 0.2.1).</summary>
/// <remarks>
/// <code>
/// OUT/training_summary.png                          every fold (and multicnn network) in one figure
/// OUT/fold-i/training.png                           cnn, autoencoder: train vs validation; multicnn: its networks in one figure
/// OUT/fold-i/tensorboard_logs/cnn-k/training.png    multicnn: network k, beside its training.tsv
/// </code>
/// Each figure has a loss panel and, for CNNs, a balanced-accuracy panel (none for the autoencoder), against the epoch
/// (0-based, as in training.tsv; mid-epoch evaluations sit between two epoch ends). The epochs the best models were
/// selected at (<see cref="TrainingCurve.BestLossEpoch"/>, <see cref="TrainingCurve.BestBalancedAccuracyEpoch"/>) are
/// marked. PNGs are written atomically (<see cref="AtomicFile"/>); drawing only reads the TSV files, so plots can be
/// redrawn at any time, during training too.
/// </remarks>
public static class TrainingPlots
{
    /// <summary>File name of a network's or a fold's plot.</summary>
    public const string PlotFileName = "training.png";

    /// <summary>File name of the run's plot over folds, in OUTPUT_DIR.</summary>
    public const string SummaryFileName = "training_summary.png";

    private const string TrainingTsv = "training.tsv";

    /// <summary>Draws one network's <c>training.tsv</c> to <paramref name="pngPath"/> (default: <c>training.png</c> beside it).</summary>
    /// <param name="trainingTsv">The network's <c>training.tsv</c>.</param>
    /// <param name="pngPath">Where to write the PNG; null for <c>training.png</c> in the TSV's folder.</param>
    /// <param name="title">Title prefix of the panels; null for the TSV's folder name.</param>
    /// <returns>The PNG's path.</returns>
    /// <exception cref="TsvFormatException">The TSV is missing, lacks a column or has a value that is not a number.</exception>
    /// <exception cref="IOException">The PNG could not be written; the message names it.</exception>
    public static string DrawNetwork(string trainingTsv, string? pngPath = null, string? title = null)
    {
        var curve = TrainingCurve.Read(trainingTsv);
        string folder = Path.GetDirectoryName(Path.GetFullPath(trainingTsv))!;
        string target = pngPath ?? Path.Combine(folder, PlotFileName);
        AtomicFile.WriteAllBytes(target, CurveFigure.Single(curve, title ?? Path.GetFileName(folder)));
        return target;
    }

    /// <summary>Draws the plots of one fold folder (<c>OUT/fold-i</c>).</summary>
    /// <remarks>
    /// cnn and autoencoder: <c>fold-i/training.png</c> from <c>fold-i/training.tsv</c>. multicnn: one
    /// <c>training.png</c> beside each <c>tensorboard_logs/cnn-k/training.tsv</c>, and <c>fold-i/training.png</c> with all
    /// networks of the fold.
    /// </remarks>
    /// <returns>The PNGs written; empty when the folder holds no training.tsv (yet).</returns>
    /// <exception cref="TsvFormatException">A training.tsv is malformed.</exception>
    /// <exception cref="IOException">A PNG could not be written.</exception>
    public static IReadOnlyList<string> DrawFold(string foldDir)
    {
        var written = new List<string>();
        var networks = NetworkTables(foldDir);
        string fold = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(foldDir)));
        if (networks.Count == 1 && networks[0].Network is null)
        {
            written.Add(DrawNetwork(networks[0].Path, Path.Combine(foldDir, PlotFileName), fold));
            return written;
        }
        var curves = new List<LabelledCurve>();
        foreach (var (network, tsv) in networks)
        {
            written.Add(DrawNetwork(tsv, null, $"{fold} cnn-{network}"));
            curves.Add(new LabelledCurve($"cnn-{network}", TrainingCurve.Read(tsv)));
        }
        if (curves.Count > 0)
        {
            string target = Path.Combine(foldDir, PlotFileName);
            AtomicFile.WriteAllBytes(target, CurveFigure.Overlay(curves, $"{fold}, {curves.Count} networks"));
            written.Add(target);
        }
        return written;
    }

    /// <summary>Draws <c>OUT/training_summary.png</c>: the learning curves of every <c>fold-*</c> folder present, in one figure.</summary>
    /// <remarks>Folds trained by separate jobs into one OUTPUT_DIR (decision 4) all appear, whichever job draws last.</remarks>
    /// <returns>The PNG's path, or null when no fold holds a training.tsv.</returns>
    /// <exception cref="TsvFormatException">A training.tsv is malformed.</exception>
    /// <exception cref="IOException">The PNG could not be written.</exception>
    public static string? DrawSummary(string outputDir)
    {
        var curves = new List<LabelledCurve>();
        foreach (var (fold, foldDir) in Folds(outputDir))
            foreach (var (network, tsv) in NetworkTables(foldDir))
                curves.Add(new LabelledCurve(network is int k ? $"fold-{fold} cnn-{k}" : $"fold-{fold}", TrainingCurve.Read(tsv)));
        if (curves.Count == 0) return null;
        int folds = curves.Select(c => c.Label.Split(' ')[0]).Distinct().Count();
        string target = Path.Combine(outputDir, SummaryFileName);
        AtomicFile.WriteAllBytes(target, CurveFigure.Overlay(curves, folds == 1 ? "1 fold" : $"{folds} folds"));
        return target;
    }

    /// <summary>Redraws every plot of a results folder: each fold's (<see cref="DrawFold"/>), then the summary (<see cref="DrawSummary"/>).</summary>
    /// <returns>The PNGs written, fold plots first, the summary last.</returns>
    /// <exception cref="OutputFolderException">The folder does not exist or holds no training.tsv.</exception>
    /// <exception cref="TsvFormatException">A training.tsv is malformed.</exception>
    /// <exception cref="IOException">A PNG could not be written.</exception>
    public static IReadOnlyList<string> DrawAll(string outputDir)
    {
        if (!Directory.Exists(outputDir))
            throw new OutputFolderException(outputDir, "is not a folder.", "Give the OUTPUT_DIR of a clinicadl train run.");
        var written = new List<string>();
        foreach (var (_, foldDir) in Folds(outputDir)) written.AddRange(DrawFold(foldDir));
        if (DrawSummary(outputDir) is string summary) written.Add(summary);
        if (written.Count == 0)
            throw new OutputFolderException(outputDir, "holds no training.tsv (looked for fold-*/training.tsv and fold-*/tensorboard_logs/cnn-*/training.tsv).",
                "Give the OUTPUT_DIR of a clinicadl train run that has finished at least one epoch.");
        return written;
    }

    /// <summary>The <c>fold-i</c> folders of <paramref name="outputDir"/>, by fold number.</summary>
    private static IEnumerable<(int Fold, string Dir)> Folds(string outputDir)
    {
        if (!Directory.Exists(outputDir)) return [];
        return Directory.GetDirectories(outputDir, "fold-*")
            .Select(d => (Ok: int.TryParse(Path.GetFileName(d)["fold-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int f), Fold: f, Dir: d))
            .Where(x => x.Ok)
            .OrderBy(x => x.Fold)
            .Select(x => (x.Fold, x.Dir));
    }

    /// <summary>The training tables of a fold: its own <c>training.tsv</c> (network null), else multicnn's, by network.</summary>
    private static IReadOnlyList<(int? Network, string Path)> NetworkTables(string foldDir)
    {
        string own = Path.Combine(foldDir, TrainingTsv);
        if (File.Exists(own)) return [(null, own)];
        string logs = Path.Combine(foldDir, "tensorboard_logs");
        if (!Directory.Exists(logs)) return [];
        return Directory.GetDirectories(logs, "cnn-*")
            .Select(d => (Ok: int.TryParse(Path.GetFileName(d)["cnn-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int k), Network: k, Tsv: Path.Combine(d, TrainingTsv)))
            .Where(x => x.Ok && File.Exists(x.Tsv))
            .OrderBy(x => x.Network)
            .Select(x => ((int?)x.Network, x.Tsv))
            .ToList();
    }
}
