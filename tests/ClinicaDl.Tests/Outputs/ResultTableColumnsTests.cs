using System.Reflection;
using System.Text.RegularExpressions;
using ClinicaDl.Outputs;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Outputs;

/// <summary><see cref="ResultTables"/> holds every column of the result tables: code that reads a result table looks its
/// columns up by <see cref="ResultTables"/>' names, never by a column name typed again.</summary>
public sealed partial class ResultTableColumnsTests
{
    /// <summary>Columns of result tables that input label files (read by Caps/) share; those files name them themselves.</summary>
    private static readonly HashSet<string> InputColumns = [.. ClinicaDl.Caps.LabelFile.RequiredColumns, ResultTables.CohortColumn];

    /// <summary>Every column name of <see cref="ResultTables"/>' tables (the roi level standing for every element level).</summary>
    private static IReadOnlySet<string> Columns()
    {
        var fields = typeof(ResultTables).GetFields(BindingFlags.Public | BindingFlags.Static);
        var names = fields.Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetValue(null)!)
            .Concat(fields.Where(f => f.GetValue(null) is IReadOnlyList<string>).SelectMany(f => (IReadOnlyList<string>)f.GetValue(null)!))
            .Concat(ResultTables.ElementPredictionColumns("patch")).Concat(ResultTables.ElementMetricsColumns("slice"));
        return names.ToHashSet(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\b(IndexOf|HasColumn)\s*\(\s*""([^""]+)""")]
    private static partial Regex ColumnLookup();

    [Fact]
    public void Readers_LookColumnsUpByResultTablesNames()
    {
        var columns = Columns();
        Assert.Contains("loss_valid", columns);
        Assert.Contains("proba1", columns);
        string src = Path.Combine(Repository.Root, "src");
        var retyped = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "ResultTables.cs")
            .SelectMany(f => File.ReadAllLines(f).Select((line, i) => (File: Path.GetRelativePath(Repository.Root, f), Line: i + 1, Text: line)))
            .SelectMany(l => ColumnLookup().Matches(l.Text).Select(m => m.Groups[2].Value)
                .Where(name => columns.Contains(name) && !InputColumns.Contains(name))
                .Select(name => $"{l.File}:{l.Line}: \"{name}\""))
            .ToList();
        Assert.True(retyped.Count == 0, "result-table columns typed again (use ResultTables' constants):\n" + string.Join("\n", retyped));
    }

    [Fact]
    public void Tables_AreBuiltFromTheNamedColumns()
    {
        Assert.Equal(["participant_id", "session_id", "roi_id", "true_label", "predicted_label", "proba0", "proba1"], ResultTables.RoiPredictionColumns);
        Assert.Equal(["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv", "total_loss", "total_kl_loss", "image_id"],
            ResultTables.WholeImageMetricsColumns);
        Assert.Equal(["epoch", "iteration", "time", "balanced_accuracy_train", "loss_train", "balanced_accuracy_valid", "loss_valid"],
            ResultTables.CnnTrainingColumns);
        Assert.Equal([.. ResultTables.CnnTrainingColumns, "kl_loss_train", "kl_loss_valid"], ResultTables.VariationalTrainingColumns);
        Assert.Equal(["participant_id", "session_id", "diagnosis", "cohort", "subset"], ResultTables.SplitColumns);
    }
}
