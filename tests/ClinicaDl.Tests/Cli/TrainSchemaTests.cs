using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClinicaDl.Data;
using ClinicaDl.Options;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Cli;

/// <summary>The one declaration of each <c>train</c> option (<see cref="TrainSchema"/>): commandline.json keeps 0.2.1's key order,
/// a file of ClinicaDL 0.2.1 reads with the schema's defaults, every option survives a write and a read, no name is declared
/// twice, and the docs' option tables list every option with the schema's aliases, networks and default.</summary>
public sealed partial class TrainSchemaTests
{
    /// <summary>Every mode at its defaults.</summary>
    private static readonly ModeOptions[] Modes = [new ImageOptions(), new PatchOptions(), new RoiOptions(), new SliceOptions()];

    [Theory]
    [InlineData("cnn", "transfer_learning_path, transfer_learning_selection, selection_threshold")]
    [InlineData("multicnn", "transfer_learning_path, transfer_learning_selection, selection_threshold")]
    [InlineData("autoencoder", "visualization, transfer_learning_path, transfer_learning_selection")]
    public void CommandLineJson_RoiKeys_AreSpec79sInItsOrder_ThenOurs(string network, string tail)
    {
        var kind = NetworkKind.Named(network)!;
        var options = TrainOptions.Defaults(kind.Type, "caps", "labels", "out");
        var keys = JsonDocument.Parse(CommandLineRecord.ToJson(options)).RootElement.EnumerateObject().Select(p => p.Name).ToList();
        string spec = "logname, version, task, mode, network_type, caps_dir, preprocessing, tsv_path, model, "
            + "use_cpu, nproc, batch_size, evaluation_steps, multi_cohort, diagnoses, baseline, unnormalize, "
            + "data_augmentation, sampler, n_splits, split, epochs, learning_rate, weight_decay, dropout, patience, "
            + "tolerance, accumulation_steps, roi_list, uncropped_roi, use_extracted_roi, " + tail;
        int count = spec.Split(", ").Length;
        Assert.Equal(spec, string.Join(", ", keys.Take(count)));
        // Then ours, in the schema's order, ending with the version and the working directory.
        var ours = TrainSchema.All.Where(o => o.Key is not null && o.Offered(options.Mode, kind) && (o.Ours || o == TrainSchema.ToolVersion || o == TrainSchema.WorkingDirectory))
            .Select(o => o.Key!).ToList();
        Assert.Equal(ours, keys.Skip(count));
        Assert.Equal(["seed", "threads", "eval_batch_size", "cache_memory", "amp"], ours.Take(5));
        Assert.Equal(["clinicadl_net_version", "working_directory"], ours.TakeLast(2));
    }

    [Fact]
    public void NamesAliasesAndKeys_AreEachDeclaredOnce()
    {
        var names = TrainSchema.All.SelectMany(o => o.Name is null ? o.Aliases : o.Aliases.Prepend(o.Name)).ToList();
        Assert.Equal(names.Distinct().Count(), names.Count);
        var keys = TrainSchema.All.Where(o => o.Key is not null).Select(o => o.Key).ToList();
        Assert.Equal(keys.Distinct().Count(), keys.Count);
        Assert.All(TrainSchema.All.Where(o => o.Shape != OptionShape.Record), o => Assert.False(string.IsNullOrEmpty(o.HelpIn(new RoiOptions())), o.ToString()));
    }

    /// <summary>Every option at a value other than its default, for every mode and network: the record read back is the one written.</summary>
    [Fact]
    public void RoundTrip_EveryOptionAwayFromItsDefault_InEveryModeAndNetwork()
    {
        using var dir = new TempDir();
        ModeOptions[] modes = [.. Modes, new PatchOptions(40, 30, true), new RoiOptions(["a", "b"], true, true), new SliceOptions(2, [5, 7], true, "w.pth"), new SliceOptions(1, [80])];
        foreach (var mode in modes)
            foreach (var kind in mode.Networks)
            {
                var options = TrainSchema.Blank(mode, kind) with
                {
                    CapsDir = "caps", TsvPath = "labels", OutputDir = dir.Path, LogName = "x.log",
                    Computational = new ComputationalOptions(true, 3, 4, 5, 6, 7, 1L << 33, true),
                    Data = new DataOptions(true, ["CN", "AD"], true, true, [AugmentationKind.Noise, AugmentationKind.CropPad], SamplerKind.Weighted),
                    CrossValidation = new CrossValidationOptions(3, [0, 2]),
                    Optimization = new OptimizationOptions(3, 0.5, 0.25, 0.125, 2, 0.0625, 2),
                    Transfer = new TransferOptions("source", kind.FixedSelection ?? "best_loss"),
                    SelectionThreshold = mode.HasSelectionThreshold && kind.TakesSelection ? 0.3 : 0,
                    Visualization = kind.TakesVisualization && mode.HasVisualization,
                    Seed = 12345678901,
                };
                string path = dir.Combine($"{mode.Name}-{kind.Name}.json");
                File.WriteAllText(path, CommandLineRecord.ToJson(options));
                var read = CommandLineRecord.Read(path, dir.Path);
                Assert.Null(CommandLineRecord.FirstDifference(options, read));
                Assert.Equal(CommandLineRecord.ToJson(options), CommandLineRecord.ToJson(read));
                foreach (var option in TrainSchema.All.Where(o => o.Key is not null && o.Offered(mode, kind) && o.Shape != OptionShape.Record))
                    Assert.Equal(JsonText(option.JsonValue(options)), JsonText(option.JsonValue(read)));
            }
    }

    /// <summary>A record written by ClinicaDL 0.2.1 (none of our keys) reads with the schema's defaults for ours.</summary>
    [Fact]
    public void Read_ARecordOfClinicaDl021_GivesOurOptionsTheirDefaults()
    {
        using var dir = new TempDir();
        var blank = TrainSchema.Blank(new RoiOptions(), NetworkKind.Cnn);
        var options = blank with { CapsDir = "caps", TsvPath = "labels", OutputDir = dir.Path, Seed = 9, Computational = new ComputationalOptions(Threads: 3, Amp: true) };
        var ours = TrainSchema.All.Where(o => o.Ours || o.Group == OptionGroup.Record && o.Key is "clinicadl_net_version" or "working_directory").Select(o => o.Key).ToHashSet();
        var pairs = CommandLineRecord.ToPairs(options).Where(p => !ours.Contains(p.Key)).ToList();
        string path = dir.Combine("commandline.json");
        File.WriteAllText(path, ClinicaDl.Formats.Json.PythonJson.Format(pairs));
        var read = CommandLineRecord.Read(path, dir.Path);
        foreach (var option in TrainSchema.All.Where(o => o.Ours && o.Key is not null && o.Offered(read.Mode, read.NetworkKind)))
            Assert.Equal(JsonText(option.JsonValue(blank)), JsonText(option.JsonValue(read)));
        Assert.Null(read.WorkingDirectory);
        Assert.Equal("caps", read.CapsDir);
    }

    /// <summary>Options records made by code or read from a file get the command line's bounds, with the option named as users spell it.</summary>
    [Theory]
    [InlineData("batch", "--batch_size", "a positive integer")]
    [InlineData("nproc", "-np/--nproc", "a positive integer")]
    [InlineData("esteps", "-esteps/--evaluation_steps", "a non-negative integer")]
    [InlineData("eval", "--eval_batch_size", "a positive integer")]
    [InlineData("lr", "-lr/--learning_rate", "a positive number")]
    [InlineData("dropout", "--dropout", "a number in [0, 1)")]
    [InlineData("threshold", "--selection_threshold", "a number in [0, 1]")]
    [InlineData("cache", "--cache_memory", "a non-negative integer")]
    public void CheckBounds_RefusesAValueTheCommandLineRefuses(string which, string option, string expected)
    {
        var o = TrainOptions.Defaults(NetworkType.Cnn, "caps", "labels", "out");
        TrainSchema.CheckBounds(o);
        o = which switch
        {
            "batch" => o with { Computational = o.Computational with { BatchSize = 0 } },
            "nproc" => o with { Computational = o.Computational with { NProc = 0 } },
            "esteps" => o with { Computational = o.Computational with { EvaluationSteps = -1 } },
            "eval" => o with { Computational = o.Computational with { EvalBatchSize = 0 } },
            "lr" => o with { Optimization = o.Optimization with { LearningRate = 0 } },
            "dropout" => o with { Optimization = o.Optimization with { Dropout = 1 } },
            "threshold" => o with { SelectionThreshold = 1.5 },
            _ => o with { Computational = o.Computational with { CacheMemoryBytes = -1 } },
        };
        var e = Assert.Throws<ClinicaDl.Errors.InvalidOptionException>(() => TrainSchema.CheckBounds(o));
        Assert.StartsWith(option + ":", e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>The option tables of docs/train-roi.md (options of every mode) and docs/train-&lt;mode&gt;.md (the mode's own) list
    /// every option of the schema, with its aliases, the networks that take it, whether it is ours, and its default.</summary>
    [Theory]
    [InlineData("roi")]
    [InlineData("patch")]
    [InlineData("slice")]
    public void Docs_OptionTables_ListEveryOptionWithTheSchemasDefault(string modeName)
    {
        var mode = Modes.Single(m => m.Name == modeName);
        var rows = OptionRows(File.ReadAllText(Path.Combine(Repository.Root, "docs", $"train-{modeName}.md")));
        var options = mode.Networks.SelectMany(k => TrainSchema.CommandLine(mode, k)).Distinct()
            .Where(o => o.Shape != OptionShape.Argument && (modeName == "roi" ? true : o.ModeType is not null)).ToList();
        Assert.NotEmpty(options);
        foreach (var option in options)
        {
            Assert.True(rows.TryGetValue(option.Name!, out var row), $"docs/train-{modeName}.md has no option row for {option.Name}");
            Assert.Equal(option.Aliases.Append(option.Name!).Order(), row.Names.Order());
            Assert.True(option.Ours == row.Ours, $"{option.Name}: ours in the schema: {option.Ours}, in the docs: {row.Ours}");
            var takers = mode.Networks.Where(k => TrainSchema.CommandLine(mode, k).Contains(option)).Select(k => k.Name).ToList();
            if (row.Networks is not null)
                Assert.Equal(takers.Count == mode.Networks.Count ? "all" : string.Join(", ", takers), row.Networks);
            var kind = mode.Networks.First(k => TrainSchema.CommandLine(mode, k).Contains(option));
            string? expected = DocDefault(option.DefaultIn(mode, kind), option.Shape);
            if (expected is null) continue; // no default value: the docs say what happens in words
            string cell = row.Default.Replace("`", "", StringComparison.Ordinal).Trim();
            if (double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
                Assert.True(double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double documented) && documented == number,
                    $"{option.Name}: default {expected} in the schema, '{row.Default}' in docs/train-{modeName}.md");
            else
                Assert.True(expected == cell, $"{option.Name}: default {expected} in the schema, '{row.Default}' in docs/train-{modeName}.md");
        }
    }

    private sealed record DocRow(IReadOnlyList<string> Names, string? Networks, string Default, bool Ours);

    /// <summary>The rows of every table whose header has "option" and "default", by option name.</summary>
    private static Dictionary<string, DocRow> OptionRows(string markdown)
    {
        var rows = new Dictionary<string, DocRow>(StringComparer.Ordinal);
        string section = "";
        int defaultColumn = -1, networksColumn = -1;
        foreach (string line in markdown.Split('\n'))
        {
            if (line.StartsWith("#", StringComparison.Ordinal)) { section = line.TrimStart('#').Trim(); defaultColumn = -1; continue; }
            if (!line.StartsWith('|')) { defaultColumn = -1; continue; }
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToList();
            if (cells[0] == "option") { defaultColumn = cells.IndexOf("default"); networksColumn = cells.IndexOf("networks"); continue; }
            if (defaultColumn < 0 || cells[0].StartsWith("---", StringComparison.Ordinal)) continue;
            var names = Backticked().Matches(cells[0]).Select(m => m.Groups[1].Value.Split(' ')[0]).ToList();
            var row = new DocRow(names, networksColumn >= 0 ? cells[networksColumn] : null, cells[defaultColumn],
                section == "Ours" || cells[0].Contains("(ours)", StringComparison.Ordinal));
            foreach (string name in names) rows[name] = row;
        }
        return rows;
    }

    /// <summary>The default as the docs write it: "off" for a flag, lists space-separated; null when there is none.</summary>
    private static string? DocDefault(object? value, OptionShape shape) => shape == OptionShape.Flag ? "off" : value switch
    {
        null => null,
        string s => s,
        System.Collections.IEnumerable list => string.Join(" ", list.Cast<object>().Select(x => Convert.ToString(x, CultureInfo.InvariantCulture))),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    private static string JsonText(object? value) => ClinicaDl.Formats.Json.PythonJson.Format([new("v", value)]);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
