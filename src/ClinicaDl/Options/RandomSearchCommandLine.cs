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
using S = ClinicaDl.Options.TrainSchema;

namespace ClinicaDl.Options;

/// <summary>The <c>commandline.json</c> of a random-search job (spec verbs §3.7): 0.2.1's keys in its order, then ours; and the
/// <c>RandomArchitecture</c> read back from any <c>commandline.json</c> that has <c>convolutions</c>.</summary>
internal static class RandomSearchCommandLine
{
    /// <summary>The ordered key/value pairs of a random-search job's options: the keys and values of <see cref="TrainSchema"/>'s options,
    /// in the order 0.2.1's <c>random_sampling</c> draws them, with the search's own keys among them.</summary>
    public static List<KeyValuePair<string, object?>> ToPairs(TrainOptions o, RandomSearchRecord search, RandomArchitectureOptions a)
    {
        var pairs = new List<KeyValuePair<string, object?>>();
        void Add(params TrainOption[] options) => pairs.AddRange(options.Select(x => x.Pair(o)));
        void AddKey(string key, object? value) => pairs.Add(new(key, value));
        Add(S.LogName, S.Version, S.Task, S.NSplits, S.Split, S.UseCpu, S.NProc, S.BatchSize, S.EvaluationSteps, S.TsvPath, S.CapsDir,
            S.Epochs, S.Patience, S.Tolerance, S.Diagnoses, S.DataAugmentation, S.MultiCohort);
        AddKey("channels_limit", search.ChannelsLimit);
        AddKey(S.UseExtractedPatches.Key!, search.UseExtractedPatches);
        AddKey(S.UseExtractedSlices.Key!, search.UseExtractedSlices);
        Add(S.Mode, S.NetworkType);
        AddKey("network_normalization", a.Normalization == NetworkNormalization.None ? null : a.Normalization.ToString());
        AddKey("n_fcblocks", a.FcBlocks);
        Add(S.Preprocessing, S.Baseline, S.Unnormalize, S.LearningRate, S.Dropout, S.AccumulationSteps);
        AddKey("loss", "default");
        AddKey("optimizer", "Adam");
        AddKey("wd_bool", search.WdBool);
        AddKey(S.WeightDecay.Key!, search.WdBool ? S.WeightDecay.JsonValue(o) : 0.0);
        Add(S.Sampler, S.TransferLearningPath, S.TransferLearningSelection);
        // The mode's keys in 0.2.1's draw order. V3: 0.2.1 never copied the ROI keys, so its ROI random search crashed; they are
        // recorded so that classify and interpret find the ROIs.
        pairs.AddRange(o.Mode.SearchPairs(o));
        AddKey("convolutions", Convolutions(a.Convolutions));
        // Ours, after ClinicaDL's keys.
        Add(S.Seed, S.Threads, S.EvalBatchSize, S.CacheMemory, S.Amp, S.ToolVersion, S.WorkingDirectory);
        return pairs;
    }

    /// <summary>The <c>convolutions</c> dictionary: <c>conv&lt;i&gt;</c> → in_channels, out_channels, n_conv, d_reduction.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> Convolutions(IReadOnlyList<ConvolutionBlock> blocks)
        => blocks.Select((b, i) => new KeyValuePair<string, object?>($"conv{i}", (IReadOnlyList<KeyValuePair<string, object?>>)
        [
            new("in_channels", b.InChannels),
            new("out_channels", b.OutChannels),
            new("n_conv", b.NConv),
            new("d_reduction", ConvolutionBlock.Name(b.Reduction)),
        ])).ToList();

    /// <summary>The RandomArchitecture a <c>commandline.json</c> describes (written by us or by 0.2.1's random search), or null when it has no <c>convolutions</c>.</summary>
    /// <exception cref="CheckpointException">A malformed <c>convolutions</c>, <c>n_fcblocks</c> or <c>network_normalization</c>.</exception>
    public static RandomArchitectureOptions? ReadArchitecture(JsonElement root, string path)
    {
        if (!root.TryGetProperty("convolutions", out var conv) || conv.ValueKind == JsonValueKind.Null) return null;
        CheckpointException Bad(string what) => new(path, $"{what}; cannot rebuild the random-search network.");
        if (conv.ValueKind != JsonValueKind.Object) throw Bad("\"convolutions\" is not an object");
        var blocks = new List<ConvolutionBlock>();
        foreach (var (entry, i) in conv.EnumerateObject().Select((e, i) => (e, i)))
        {
            var b = entry.Value;
            if (entry.Name != $"conv{i}" || b.ValueKind != JsonValueKind.Object)
                throw Bad($"\"convolutions\" entry \"{entry.Name}\" should be the object conv{i}");
            int? Int(string key, bool nullable)
            {
                if (b.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n >= 1) return n;
                if (nullable && b.TryGetProperty(key, out v) && v.ValueKind == JsonValueKind.Null) return null;
                throw Bad($"\"convolutions\".{entry.Name}.{key} is not a positive integer");
            }
            var reduction = b.TryGetProperty("d_reduction", out var r) && r.ValueKind == JsonValueKind.String ? ConvolutionBlock.Parse(r.GetString()) : null;
            if (reduction is null) throw Bad($"\"convolutions\".{entry.Name}.d_reduction is not \"MaxPooling\" or \"stride\"");
            blocks.Add(new ConvolutionBlock(Int("in_channels", nullable: true), Int("out_channels", false)!.Value, Int("n_conv", false)!.Value, reduction.Value));
        }
        if (blocks.Count == 0) throw Bad("\"convolutions\" is empty");
        if (!root.TryGetProperty("n_fcblocks", out var fc) || fc.ValueKind != JsonValueKind.Number || !fc.TryGetInt32(out int fcBlocks) || fcBlocks < 1)
            throw Bad("\"n_fcblocks\" is missing or not a positive integer");
        var normalization = !root.TryGetProperty("network_normalization", out var n) || n.ValueKind == JsonValueKind.Null ? NetworkNormalization.None
            : n.ValueKind == JsonValueKind.String && n.GetString() is "BatchNorm" or "InstanceNorm" ? Enum.Parse<NetworkNormalization>(n.GetString()!)
            : throw Bad($"\"network_normalization\" {n.GetRawText()} is not \"BatchNorm\", \"InstanceNorm\" or null");
        return new RandomArchitectureOptions(blocks, fcBlocks, normalization);
    }

    /// <summary>The random-search extras of a <c>commandline.json</c> whose task is <c>random-search</c>, or null.</summary>
    public static RandomSearchRecord? ReadSearch(JsonElement root)
    {
        if (!root.TryGetProperty("task", out var t) || t.ValueKind != JsonValueKind.String || t.GetString() != "random-search") return null;
        bool Bool(string key, bool fallback) => root.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;
        int limit = root.TryGetProperty("channels_limit", out var l) && l.ValueKind == JsonValueKind.Number && l.TryGetInt32(out int x) ? x : 512;
        return new RandomSearchRecord(limit, Bool("wd_bool", true), Bool("use_extracted_patches", false), Bool("use_extracted_slices", false));
    }
}
