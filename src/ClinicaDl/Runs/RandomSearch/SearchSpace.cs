using System.Globalization;
using System.Text.Json;
using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Runs;
using ClinicaDl.Training;

namespace ClinicaDl.Runs.RandomSearch;

/// <summary><c>LAUNCH_DIR/random_search.json</c> as ClinicaDL 0.2.1 reads it (spec verbs §3.3): legacy rewrites, then defaults,
/// then the mandatory keys; every value is a scalar (used as is) or a list (sampled).</summary>
/// <remarks>
/// Differences from 0.2.1 (docs/coming-from-clinicadl.md): every missing mandatory key is named at once (0.2.1 names the first,
/// or fails with an <c>AttributeError</c> for <c>preprocessing</c>); a given <c>discarded_slices</c> is used (V5); trailing
/// commas are accepted.
/// </remarks>
public sealed class SearchSpace
{
    /// <summary>The keys 0.2.1 requires, in the order it checks them.</summary>
    public static readonly IReadOnlyList<string> MandatoryKeys =
        ["epochs", "network_type", "mode", "tsv_path", "caps_dir", "diagnoses", "preprocessing", "n_convblocks", "first_conv_width", "n_fcblocks"];

    private static readonly (string Key, string Json)[] Defaults =
    [
        ("accumulation_steps", "1"), ("baseline", "false"), ("channels_limit", "512"), ("d_reduction", "\"MaxPooling\""),
        ("data_augmentation", "false"), ("discarded_slices", "20"), ("dropout", "0"), ("learning_rate", "4"), ("loss", "\"default\""),
        ("multi_cohort", "false"), ("n_conv", "1"), ("network_normalization", "\"BatchNorm\""), ("optimizer", "\"Adam\""),
        ("unnormalize", "false"), ("patch_size", "50"), ("patience", "0"), ("selection_threshold", "0"), ("slice_direction", "0"),
        ("stride_size", "50"), ("tolerance", "0.0"), ("transfer_learning_path", "null"), ("transfer_learning_selection", "\"best_loss\""),
        ("use_extracted_patches", "false"), ("use_extracted_slices", "false"), ("wd_bool", "true"), ("weight_decay", "4"), ("sampler", "\"random\""),
        // Not in 0.2.1's list (it never copies them: V3); the defaults of train roi.
        ("roi_list", "null"), ("uncropped_roi", "false"), ("use_extracted_roi", "false"),
    ];

    private readonly Dictionary<string, JsonElement> values;

    private SearchSpace(string path, Dictionary<string, JsonElement> values)
    {
        Path = path;
        this.values = values;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The value of <paramref name="key"/> after rewrites and defaults (a scalar or a list), or an undefined element when absent.</summary>
    public JsonElement this[string key] => values.TryGetValue(key, out var v) ? v : default;

    /// <summary>True when the file (or a default) gives <paramref name="key"/>.</summary>
    public bool Has(string key) => values.ContainsKey(key);

    /// <summary>Reads <c>random_search.json</c> of <paramref name="launchDir"/>.</summary>
    /// <exception cref="InvalidOptionException">The folder or file is missing, not a JSON object, or lacks mandatory keys (all are named).</exception>
    public static SearchSpace Read(string launchDir)
    {
        if (!Directory.Exists(launchDir))
            throw new InvalidOptionException("LAUNCH_DIR", "an existing folder holding random_search.json", launchDir);
        string path = System.IO.Path.Combine(launchDir, "random_search.json");
        if (!File.Exists(path))
            throw new InvalidOptionException("LAUNCH_DIR", $"a folder holding random_search.json ({path} not found)");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses the text of a <c>random_search.json</c> named <paramref name="path"/> in messages.</summary>
    public static SearchSpace Parse(string text, string path)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOptionException(path, $"is not valid JSON ({e.Message})");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidOptionException(path, "must hold a JSON object of keys and values");
        var v = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in root.EnumerateObject()) v[p.Name] = p.Value;

        // read_json's legacy names.
        void Rename(string old, string now)
        {
            if (v.Remove(old, out var e)) v.TryAdd(now, e);
        }
        Rename("pretrained_path", "transfer_learning_path");
        Rename("selection", "transfer_learning_selection");
        Rename("patch_stride", "stride_size");
        Rename("mri_plane", "slice_direction");
        if (v.TryGetValue("mode", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() == "subject") v["mode"] = Json("\"image\"");
        if (v.TryGetValue("hippocampus_roi", out var h) && h.ValueKind == JsonValueKind.True) v["mode"] = Json("\"roi\"");
        if (v.TryGetValue("preprocessing", out var pre) && pre.ValueKind == JsonValueKind.String)
        {
            if (pre.GetString() == "mni") v["preprocessing"] = Json("\"t1-extensive\"");
            else if (pre.GetString() == "linear") v["preprocessing"] = Json("\"t1-linear\"");
        }
        if (!v.ContainsKey("network_type"))
            v["network_type"] = v.TryGetValue("mode_task", out var mt) ? mt : Json(v.ContainsKey("train_autoencoder") ? "\"autoencoder\"" : "\"cnn\"");
        // The mode-dependent default dropout (V6), applied before the defaults as in 0.2.1.
        if (!v.TryGetValue("dropout", out var d) || d.ValueKind == JsonValueKind.Null)
        {
            string mode = v.TryGetValue("mode", out var md) && md.ValueKind == JsonValueKind.String ? md.GetString()! : "";
            v["dropout"] = Json(mode == "image" ? "0.5" : mode == "slice" ? "0.8" : "0");
        }

        var missing = MandatoryKeys.Where(k => !v.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidOptionException(path, $"lacks the mandatory key{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}");
        foreach (var (key, json) in Defaults) v.TryAdd(key, Json(json));
        return new SearchSpace(path, v);
    }

    private static JsonElement Json(string text)
    {
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Formats a JSON value for messages.</summary>
    internal static string Show(JsonElement e) => e.ValueKind == JsonValueKind.Undefined ? "nothing" : e.GetRawText();

    /// <summary>The error for a bad value of <paramref name="key"/>.</summary>
    internal InvalidOptionException Bad(string key, string expected, JsonElement actual)
        => new($"{Path}, key \"{key}\"", expected, Show(actual));

    /// <summary>The number as a double, for messages and checks.</summary>
    internal static double Number(JsonElement e) => e.GetDouble();

    /// <summary>True when the JSON number is written without fraction or exponent (a Python int).</summary>
    internal static bool IsInteger(JsonElement e) => e.ValueKind == JsonValueKind.Number && long.TryParse(e.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
}
