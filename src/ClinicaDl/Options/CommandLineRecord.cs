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

    /// <summary>The ordered key/value pairs of <paramref name="o"/>: every <see cref="TrainSchema"/> key the mode and network take, in its order.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> ToPairs(TrainOptions o)
    {
        if (o.Search is { } search && o.Architecture is { } architecture) return RandomSearchCommandLine.ToPairs(o, search, architecture);
        return TrainSchema.All.Where(x => x.Key is not null && x.Offered(o.Mode, o.NetworkKind)).Select(x => x.Pair(o)).ToList();
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
        string network = r.Str(TrainSchema.NetworkType.Key!);
        var kind = NetworkKind.Named(network)
            ?? throw new CheckpointException(path, $"network_type \"{network}\" is not autoencoder, cnn or multicnn.");
        var mode = ModeOptions.Named(r.Str(TrainSchema.Mode.Key!, "roi"))
            ?? throw new CheckpointException(path, $"mode \"{r.Str(TrainSchema.Mode.Key!)}\" is not one this version trains (image, patch, roi, slice); its results cannot be used here.");
        var architecture = RandomSearchCommandLine.ReadArchitecture(root, path);
        var options = TrainSchema.Blank(mode, kind) with
        {
            OutputDir = outputDir,
            Architecture = architecture,
            Search = architecture is null ? null : RandomSearchCommandLine.ReadSearch(root),
        };
        foreach (var option in TrainSchema.All.Where(x => x.ReadIn(mode)))
            options = option.ReadFrom(options, r);
        return options;
    }

    /// <summary>Formats a number for messages.</summary>
    internal static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
