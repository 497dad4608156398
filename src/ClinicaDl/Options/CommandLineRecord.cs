using System.Globalization;
using System.Text.Json;
using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Json;

namespace ClinicaDl.Options;

/// <summary>Writes and reads <c>commandline.json</c> (spec §7.9): ClinicaDL 0.2.1's keys in its order, then ours.</summary>
/// <remarks>
/// Reading accepts files written by ClinicaDL 0.2.1 itself (transfer learning and <c>classify</c> read them back):
/// keys we add are optional there, and unknown keys are ignored.
/// </remarks>
public static class CommandLineRecord
{
    /// <summary>The version written under <c>clinicadl_net_version</c>.</summary>
    public static string ToolVersion => typeof(CommandLineRecord).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The ordered key/value pairs of <paramref name="o"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> ToPairs(TrainOptions o)
    {
        if (o.Search is { } search && o.Architecture is { } architecture) return RandomSearchCommandLine.ToPairs(o, search, architecture);
        var c = o.Computational;
        var d = o.Data;
        var opt = o.Optimization;
        var pairs = new List<KeyValuePair<string, object?>>();
        void Add(string key, object? value) => pairs.Add(new(key, value));
        Add("logname", o.LogName);
        Add("version", false);
        Add("task", "train");
        Add("mode", o.Mode.Name);
        Add("network_type", o.NetworkName);
        Add("caps_dir", o.CapsDir);
        Add("preprocessing", o.Preprocessing);
        Add("tsv_path", o.TsvPath);
        Add("model", o.Model);
        Add("use_cpu", c.UseCpu);
        Add("nproc", c.NProc);
        Add("batch_size", c.BatchSize);
        Add("evaluation_steps", c.EvaluationSteps);
        Add("multi_cohort", d.MultiCohort);
        Add("diagnoses", d.Diagnoses.ToList());
        Add("baseline", d.Baseline);
        Add("unnormalize", d.Unnormalize);
        Add("data_augmentation", d.DataAugmentation is null ? false : d.DataAugmentation.Select(a => a.ToString()).ToList());
        Add("sampler", d.Sampler == SamplerKind.Random ? "random" : "weighted");
        Add("n_splits", o.CrossValidation.NSplits);
        Add("split", o.CrossValidation.Split?.ToList());
        Add("epochs", opt.Epochs);
        Add("learning_rate", opt.LearningRate);
        Add("weight_decay", opt.WeightDecay);
        // argparse stores the default dropout as the integer 0.
        Add("dropout", opt.Dropout == 0 ? (object)0 : opt.Dropout);
        Add("patience", opt.Patience);
        Add("tolerance", opt.Tolerance);
        Add("accumulation_steps", opt.AccumulationSteps);
        o.Mode.AddPairs(Add);
        // Then the network's keys (spec modes §1.4): the autoencoder's visualization where the mode offers it, the
        // transfer-learning pair, and the soft-voting threshold where the mode votes.
        if (o.NetworkKind.TakesVisualization && o.Mode.HasVisualization) Add("visualization", o.Visualization);
        Add("transfer_learning_path", o.Transfer.Path);
        Add("transfer_learning_selection", o.NetworkKind.FixedSelection ?? o.Transfer.Selection);
        if (o.NetworkKind.TakesSelection && o.Mode.HasSelectionThreshold) Add("selection_threshold", o.SelectionThreshold);
        // Ours, after ClinicaDL's keys.
        Add("seed", o.Seed);
        Add("threads", c.Threads);
        Add("eval_batch_size", c.EvalBatchSize);
        Add("cache_memory", c.CacheMemoryBytes);
        Add("amp", c.Amp);
        o.Mode.AddOwnPairs(Add);
        Add("clinicadl_net_version", ToolVersion);
        Add("working_directory", Environment.CurrentDirectory);
        return pairs;
    }

    /// <summary>Keys that may differ between jobs training different folds of one run (resources, bookkeeping).</summary>
    private static readonly HashSet<string> PerJobKeys =
        ["logname", "use_cpu", "nproc", "split", "threads", "cache_memory", "clinicadl_net_version", "working_directory"];

    /// <summary>The first key whose value differs between two runs' records, ignoring per-job keys; null when they describe the same training.</summary>
    public static string? FirstDifference(TrainOptions a, TrainOptions b)
    {
        var pa = ToPairs(a).Where(kv => !PerJobKeys.Contains(kv.Key)).ToList();
        var pb = ToPairs(b).Where(kv => !PerJobKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (key, value) in pa)
        {
            string va = PythonJson.Format([new("v", value)]);
            string vb = PythonJson.Format([new("v", pb.GetValueOrDefault(key))]);
            if (va != vb) return key;
        }
        return null;
    }

    /// <summary>Makes a path recorded relative to <paramref name="workingDirectory"/> usable from here.</summary>
    internal static string Rebase(string path, string? workingDirectory)
        => Path.IsPathRooted(path) || workingDirectory is null ? path : Path.GetFullPath(Path.Combine(workingDirectory, path));

    /// <summary>The JSON text (Python <c>json.dump(..., indent=4)</c> format).</summary>
    public static string ToJson(TrainOptions o) => PythonJson.Format(ToPairs(o)) + "\n";

    /// <summary>Reads a <c>commandline.json</c> written by us or by ClinicaDL 0.2.1.</summary>
    /// <param name="path">The file.</param>
    /// <param name="outputDir">The results folder it belongs to (OUTPUT_DIR is not stored in the file).</param>
    /// <exception cref="CheckpointException">The file is missing, not JSON, or lacks a key this tool needs.</exception>
    public static TrainOptions Read(string path, string outputDir)
    {
        if (!File.Exists(path))
            throw new CheckpointException(path, "commandline.json not found; is this a folder written by clinicadl train?");
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, $"is not valid JSON ({e.Message}).");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, "is not a JSON object.");

        var r = new RecordReader(root, path);
        string Str(string key, string? fallback = null) => r.Str(key, fallback);
        bool Present(string key, out JsonElement v) => r.Present(key, out v);
        CheckpointException Wrong(string key, string expected, JsonElement v) => r.Wrong(key, expected, v);
        bool Bool(string key, bool fallback = false) => r.Bool(key, fallback);
        double Num(string key, double fallback) => r.Num(key, fallback);
        int Int32Of(string key, JsonElement v) => r.Int32Of(key, v);
        int? IntOrNull(string key) => r.IntOrNull(key);
        List<string>? StrList(string key) => r.StrList(key);

        string network = Str("network_type");
        var kind = NetworkKind.Named(network)
            ?? throw new CheckpointException(path, $"network_type \"{network}\" is not autoencoder, cnn or multicnn.");
        var mode = ModeOptions.Read(r);
        List<AugmentationKind>? augmentation = null;
        if (StrList("data_augmentation") is { } aug)
            augmentation = aug.Select(a => Enum.TryParse<AugmentationKind>(a, out var k) ? k : AugmentationKind.None).ToList();
        List<int>? split = null;
        if (Present("split", out var sp))
            split = sp.ValueKind == JsonValueKind.Array ? sp.EnumerateArray().Select(e => Int32Of("split", e)).ToList()
                : sp.ValueKind == JsonValueKind.Number ? [Int32Of("split", sp)] : throw Wrong("split", "a list of fold indices", sp);
        long? cacheMemory = !Present("cache_memory", out var cm) ? null
            : cm.ValueKind == JsonValueKind.Number && cm.TryGetInt64(out long bytes) ? bytes : throw Wrong("cache_memory", "an integer number of bytes", cm);

        string? cwd = root.TryGetProperty("working_directory", out var wd) && wd.ValueKind == JsonValueKind.String ? wd.GetString() : null;
        var architecture = RandomSearchCommandLine.ReadArchitecture(root, path);
        return new TrainOptions(
            kind,
            Str("caps_dir"),
            Str("preprocessing", CapsLayout.T1Linear),
            Str("tsv_path"),
            outputDir,
            Str("model", architecture is null ? mode.DefaultModel : "RandomArchitecture"),
            new ComputationalOptions(Bool("use_cpu"), IntOrNull("nproc") ?? 2, IntOrNull("batch_size") ?? 2, IntOrNull("evaluation_steps") ?? 0,
                IntOrNull("threads"), IntOrNull("eval_batch_size"), cacheMemory, Bool("amp")),
            new DataOptions(Bool("multi_cohort"), StrList("diagnoses") ?? [.. Diagnosis.Default], Bool("baseline"), Bool("unnormalize"),
                augmentation, Str("sampler", "random") == "weighted" ? SamplerKind.Weighted : SamplerKind.Random),
            new CrossValidationOptions(IntOrNull("n_splits"), split),
            new OptimizationOptions(IntOrNull("epochs") ?? 20, Num("learning_rate", 1e-4), Num("weight_decay", 1e-4), Num("dropout", 0),
                IntOrNull("patience") ?? 0, Num("tolerance", 0), IntOrNull("accumulation_steps") ?? 1),
            mode,
            new TransferOptions(root.TryGetProperty("transfer_learning_path", out var tl) && tl.ValueKind == JsonValueKind.String ? tl.GetString() : null,
                Str("transfer_learning_selection", "best_balanced_accuracy")),
            Num("selection_threshold", 0),
            Bool("visualization"),
            !Present("seed", out var seed) ? 0 : seed.ValueKind == JsonValueKind.Number && seed.TryGetInt64(out long seedValue) ? seedValue : throw Wrong("seed", "an integer", seed),
            false,
            Str("logname", "clinicaDL.log"))
        {
            WorkingDirectory = cwd,
            Architecture = architecture,
            Search = architecture is null ? null : RandomSearchCommandLine.ReadSearch(root),
        };
    }

    /// <summary>Formats a number for messages.</summary>
    internal static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
