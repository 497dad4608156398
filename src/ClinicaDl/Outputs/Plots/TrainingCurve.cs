using System.Globalization;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Outputs.Plots;

/// <summary>A network's learning curves read back from its <c>training.tsv</c>, with the epochs the best models were selected at.</summary>
/// <remarks>
/// The best epochs are recomputed with the trainer's rules (spec §6.5): only end-of-epoch rows count, and the best is
/// the first epoch with a strictly higher validation balanced accuracy (<c>best_balanced_accuracy</c>) or a strictly
/// lower validation loss (<c>best_loss</c>) than every earlier epoch. The last row of each epoch is taken as its
/// end-of-epoch row, so the curve of an interrupted epoch ends on its last mid-epoch evaluation.
/// </remarks>
public sealed record TrainingCurve
{
    private TrainingCurve(string path, IReadOnlyList<TrainingPoint> points, bool hasBalancedAccuracy)
    {
        Path = path;
        Points = points;
        HasBalancedAccuracy = hasBalancedAccuracy;
        EpochEnds = points.Where(p => p.EndOfEpoch).ToList();
        double bestBacc = -1, bestLoss = double.PositiveInfinity;
        foreach (var p in EpochEnds)
        {
            if (p.ValidBalancedAccuracy is double bacc && bacc > bestBacc) { bestBacc = bacc; BestBalancedAccuracyEpoch = p.Epoch; }
            if (p.ValidLoss < bestLoss) { bestLoss = p.ValidLoss; BestLossEpoch = p.Epoch; }
        }
    }

    /// <summary>The <c>training.tsv</c> the curve was read from.</summary>
    public string Path { get; }

    /// <summary>Every row, in file order.</summary>
    public IReadOnlyList<TrainingPoint> Points { get; }

    /// <summary>The end-of-epoch rows, in file order.</summary>
    public IReadOnlyList<TrainingPoint> EpochEnds { get; }

    /// <summary>True for a CNN's table (balanced accuracy columns), false for the autoencoder's.</summary>
    public bool HasBalancedAccuracy { get; }

    /// <summary>The epoch <c>best_balanced_accuracy/model_best.pth.tar</c> comes from; null for the autoencoder or when no epoch ended.</summary>
    public int? BestBalancedAccuracyEpoch { get; }

    /// <summary>The epoch <c>best_loss/model_best.pth.tar</c> comes from; null when no epoch ended with a finite loss.</summary>
    public int? BestLossEpoch { get; }

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="TsvFormatException">The file is missing or unreadable, lacks a column of <see cref="ResultTables.AutoencoderTrainingColumns"/>, or a value is not a number.</exception>
    public static TrainingCurve Read(string path) => FromTable(TsvTable.Read(path));

    /// <summary>Builds the curve from a parsed <c>training.tsv</c> (CNN or autoencoder columns).</summary>
    /// <exception cref="TsvFormatException">A required column is missing or a value is not a number.</exception>
    public static TrainingCurve FromTable(TsvTable table)
    {
        bool classification = table.HasColumn(ResultTables.BalancedAccuracyValid);
        int epochColumn = table.IndexOf(ResultTables.Epoch), iterationColumn = table.IndexOf(ResultTables.Iteration);
        int trainLossColumn = table.IndexOf(ResultTables.LossTrain), validLossColumn = table.IndexOf(ResultTables.LossValid);
        int trainBaccColumn = classification ? table.IndexOf(ResultTables.BalancedAccuracyTrain) : -1;
        int validBaccColumn = classification ? table.IndexOf(ResultTables.BalancedAccuracyValid) : -1;

        var rows = new List<(int Epoch, int Iteration, double TrainLoss, double ValidLoss, double? TrainBacc, double? ValidBacc)>(table.Rows.Count);
        for (int r = 0; r < table.Rows.Count; r++)
        {
            rows.Add((Integer(table, r, epochColumn), Integer(table, r, iterationColumn),
                Number(table, r, trainLossColumn), Number(table, r, validLossColumn),
                classification ? Number(table, r, trainBaccColumn) : null,
                classification ? Number(table, r, validBaccColumn) : null));
        }

        // Batches per epoch: the iteration of an end-of-epoch row is the epoch's last batch index.
        var lastOfEpoch = new HashSet<int>();
        for (int i = 0; i < rows.Count; i++)
            if (i == rows.Count - 1 || rows[i + 1].Epoch != rows[i].Epoch) lastOfEpoch.Add(i);
        int batches = Math.Max(1, lastOfEpoch.Select(i => rows[i].Iteration + 1).DefaultIfEmpty(1).Max());

        var points = new List<TrainingPoint>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var (epoch, iteration, trainLoss, validLoss, trainBacc, validBacc) = rows[i];
            bool end = lastOfEpoch.Contains(i);
            double position = end ? epoch : epoch - 1 + Math.Min(1.0, (iteration + 1) / (double)batches);
            points.Add(new TrainingPoint(epoch, iteration, position, end, trainLoss, validLoss, trainBacc, validBacc));
        }
        return new TrainingCurve(table.Path, points, classification);
    }

    private static int Integer(TsvTable table, int r, int column)
    {
        string text = table.Rows[r][column];
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)) return value;
        // pandas may print integer columns as floats ("3.0").
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue)
            return (int)d;
        throw new TsvFormatException(table.Path, r + 1, $"column \"{table.Columns[column]}\" must be an integer, not \"{text}\".");
    }

    /// <summary>A float as pandas prints it (<c>nan</c>, <c>inf</c> included); an empty cell is NaN.</summary>
    private static double Number(TsvTable table, int r, int column)
    {
        string text = table.Rows[r][column].Trim();
        switch (text.ToLowerInvariant())
        {
            case "" or "nan" or "-nan": return double.NaN;
            case "inf" or "+inf" or "infinity": return double.PositiveInfinity;
            case "-inf" or "-infinity": return double.NegativeInfinity;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return value;
        throw new TsvFormatException(table.Path, r + 1, $"column \"{table.Columns[column]}\" must be a number, not \"{text}\".");
    }
}
