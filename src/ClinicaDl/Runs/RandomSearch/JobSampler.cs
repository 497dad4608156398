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
using ClinicaDl.Slices;
using ClinicaDl.Training;

namespace ClinicaDl.Runs.RandomSearch;

/// <summary>One sampled random-search configuration (spec verbs §3.4–3.5): every key of <c>random_search.json</c> reduced to one value.</summary>
/// <remarks><c>loss</c> and <c>optimizer</c> are not here: only <c>"default"</c> and <c>"Adam"</c> are accepted, because 0.2.1 silently
/// trained with those whatever was sampled (V8).</remarks>
public sealed record SampledJob(
    string Mode, string NetworkType, NetworkNormalization Normalization, int FcBlocks, string Preprocessing,
    bool Baseline, bool Unnormalize, double LearningRate, double Dropout, int AccumulationSteps, bool WdBool, double WeightDecay,
    string Sampler, string? TransferPath, string TransferSelection, double SelectionThreshold,
    int PatchSize, int StrideSize, int DiscardedSlices, int SliceDirection,
    IReadOnlyList<ConvolutionBlock> Convolutions,
    string TsvPath, string CapsDir, int Epochs, int Patience, double Tolerance, IReadOnlyList<string> Diagnoses,
    IReadOnlyList<string>? DataAugmentation, bool MultiCohort, int ChannelsLimit, bool UseExtractedPatches, bool UseExtractedSlices,
    IReadOnlyList<string>? RoiList, bool UncroppedRoi, bool UseExtractedRoi);

/// <summary>Checks every candidate value of a <see cref="SearchSpace"/>, then draws one configuration in 0.2.1's order with CPython's generator.</summary>
/// <remarks>
/// Sampling functions (0.2.1's <c>sampling_fn</c>): a list is drawn from, a scalar is used as is. <c>choice</c> picks an element
/// (also for <c>first_conv_width</c> and <c>n_conv</c>: a set, not a range, V9), <c>randint</c> [a, b] inclusive, <c>uniform</c>
/// a + (b − a)·U, <c>exponent</c> 10^−value (10^−uniform(a, b) for a range; a scalar 1e-4 therefore means 10^−0.0001, V7).
/// Every candidate is checked before the first draw, so a bad value is reported whatever is drawn.
/// </remarks>
public static class JobSampler
{
    /// <summary>Modes 0.2.1's random search knows.</summary>
    public static readonly IReadOnlyList<string> KnownModes = ["image", "patch", "roi", "slice"];

    /// <summary>Checks the space and draws one job; <paramref name="warn"/> receives warnings (V7).</summary>
    /// <param name="space">The parsed <c>random_search.json</c>.</param>
    /// <param name="random">CPython's generator (seeded as <c>random.seed</c>).</param>
    /// <param name="supportedModes">The modes this build trains.</param>
    /// <param name="warn">Warning sink.</param>
    /// <exception cref="Errors.InvalidOptionException">A value that 0.2.1 rejects, crashes on, or that this build cannot train; the message names the key.</exception>
    public static SampledJob Sample(SearchSpace space, PythonRandom random, IReadOnlyCollection<string> supportedModes, Action<string>? warn = null)
    {
        Check(space, supportedModes, warn);
        var s = space;
        string Str(JsonElement e) => e.GetString()!;
        // Draw order of 0.2.1's random_sampling.
        string mode = Str(Choice(s, random, "mode"));
        string networkType = Str(Choice(s, random, "network_type"));
        var norm = Choice(s, random, "network_normalization");
        int fcBlocks = RandInt(s, random, "n_fcblocks");
        string preprocessing = Str(Choice(s, random, "preprocessing"));
        bool baseline = Choice(s, random, "baseline").GetBoolean();
        bool unnormalize = Choice(s, random, "unnormalize").GetBoolean();
        double lr = Exponent(s, random, "learning_rate");
        double dropout = Uniform(s, random, "dropout");
        int accumulation = RandInt(s, random, "accumulation_steps");
        Choice(s, random, "loss");
        Choice(s, random, "optimizer");
        bool wdBool = Choice(s, random, "wd_bool").GetBoolean();
        double wd = Exponent(s, random, "weight_decay");
        string sampler = Str(Choice(s, random, "sampler"));
        var transfer = Choice(s, random, "transfer_learning_path");
        string transferSelection = Str(Choice(s, random, "transfer_learning_selection"));
        int patchSize = 50, strideSize = 50, discarded = 20, sliceDirection = 0;
        double threshold = 0;
        switch (mode)
        {
            case "patch":
                patchSize = RandInt(s, random, "patch_size");
                threshold = Uniform(s, random, "selection_threshold");
                strideSize = RandInt(s, random, "stride_size");
                break;
            case "roi":
                threshold = Uniform(s, random, "selection_threshold");
                break;
            case "slice":
                discarded = RandInt(s, random, "discarded_slices");
                threshold = Uniform(s, random, "selection_threshold");
                sliceDirection = (int)Choice(s, random, "slice_direction").GetInt64();
                break;
        }
        // random_conv_sampling.
        int blocks = RandInt(s, random, "n_convblocks");
        int width = (int)Choice(s, random, "first_conv_width").GetInt64();
        var reduction = ConvolutionBlock.Parse(Str(Choice(s, random, "d_reduction")))!.Value;
        int channelsLimit = (int)s["channels_limit"].GetInt64();
        var convolutions = new List<ConvolutionBlock>(blocks);
        int? inChannels = null;
        int outChannels = width;
        for (int i = 0; i < blocks; i++)
        {
            convolutions.Add(new ConvolutionBlock(inChannels, outChannels, (int)Choice(s, random, "n_conv").GetInt64(), reduction));
            inChannels = outChannels;
            if (outChannels < channelsLimit) outChannels *= 2; // may overshoot the limit, as in 0.2.1 (V10)
        }
        if (!wdBool) wd = 0;

        var augmentation = s["data_augmentation"];
        return new SampledJob(mode, networkType,
            norm.ValueKind == JsonValueKind.Null ? NetworkNormalization.None : Enum.Parse<NetworkNormalization>(Str(norm)),
            fcBlocks, preprocessing, baseline, unnormalize, lr, dropout, accumulation, wdBool, wd, sampler,
            transfer.ValueKind == JsonValueKind.String ? Str(transfer) : null, transferSelection, threshold,
            patchSize, strideSize, discarded, sliceDirection, convolutions,
            Str(s["tsv_path"]), Str(s["caps_dir"]), (int)s["epochs"].GetInt64(), (int)s["patience"].GetInt64(), s["tolerance"].GetDouble(),
            s["diagnoses"].EnumerateArray().Select(Str).ToList(),
            augmentation.ValueKind == JsonValueKind.Array ? augmentation.EnumerateArray().Select(Str).ToList() : null,
            s["multi_cohort"].GetBoolean(), channelsLimit, s["use_extracted_patches"].GetBoolean(), s["use_extracted_slices"].GetBoolean(),
            s["roi_list"].ValueKind == JsonValueKind.Array ? s["roi_list"].EnumerateArray().Select(Str).ToList() : null,
            s["uncropped_roi"].GetBoolean(), s["use_extracted_roi"].GetBoolean());
    }

    /// <summary>0.2.1's adjustment of <c>--evaluation_steps</c>: rounded up to a multiple of the sampled <c>accumulation_steps</c>.</summary>
    public static int EvaluationSteps(int requested, int accumulationSteps)
        => requested == 0 || requested % accumulationSteps == 0 ? requested : (requested / accumulationSteps + 1) * accumulationSteps;

    private static JsonElement Choice(SearchSpace s, PythonRandom random, string key)
    {
        var v = s[key];
        return v.ValueKind == JsonValueKind.Array ? random.Choice(v.EnumerateArray().ToList()) : v;
    }

    private static int RandInt(SearchSpace s, PythonRandom random, string key)
    {
        var v = s[key];
        return v.ValueKind == JsonValueKind.Array ? random.RandInt((int)v[0].GetInt64(), (int)v[1].GetInt64()) : (int)v.GetInt64();
    }

    private static double Uniform(SearchSpace s, PythonRandom random, string key)
    {
        var v = s[key];
        return v.ValueKind == JsonValueKind.Array ? random.Uniform(v[0].GetDouble(), v[1].GetDouble()) : v.GetDouble();
    }

    private static double Exponent(SearchSpace s, PythonRandom random, string key)
    {
        var v = s[key];
        double e = v.ValueKind == JsonValueKind.Array ? random.Uniform(v[0].GetDouble(), v[1].GetDouble()) : v.GetDouble();
        return Math.Pow(10, -e);
    }

    // ---- validation of every candidate ----

    private static void Check(SearchSpace s, IReadOnlyCollection<string> supportedModes, Action<string>? warn)
    {
        ChoiceOf(s, "mode", e => e.ValueKind == JsonValueKind.String && KnownModes.Contains(e.GetString()), "one of image, patch, roi, slice (or a list of them)");
        foreach (var mode in Candidates(s["mode"]).Select(e => e.GetString()!))
            if (!supportedModes.Contains(mode))
                throw s.Bad("mode", $"a mode this version trains ({string.Join(", ", supportedModes)})", JsonSerializer.SerializeToElement(mode));
        ChoiceOf(s, "network_type", e => e.ValueKind == JsonValueKind.String && NetworkKind.Named(e.GetString()!) is not null, "cnn or multicnn (or a list of them)");
        if (Candidates(s["network_type"]).Any(e => NetworkKind.Named(e.GetString()!) is { Reconstructs: true }))
            throw s.Bad("network_type", "cnn or multicnn: an autoencoder cannot invert RandomArchitecture's blocks (ClinicaDL 0.2.1 crashes at the first step, V4)", s["network_type"]);
        ChoiceOf(s, "network_normalization", e => e.ValueKind == JsonValueKind.Null || e.ValueKind == JsonValueKind.String && e.GetString() is "BatchNorm" or "InstanceNorm",
            "\"BatchNorm\", \"InstanceNorm\" or null (or a list of them)");
        RangeOf(s, "n_fcblocks", integer: true, min: 1);
        ChoiceOf(s, "preprocessing", e => e.ValueKind == JsonValueKind.String && e.GetString() is CapsLayout.T1Linear or PhantomImages.Preprocessing,
            $"\"{CapsLayout.T1Linear}\" or \"{PhantomImages.Preprocessing}\" (the phantoms of generate shepplogan, image mode only) (or a list of them)");
        if (Candidates(s["preprocessing"]).Any(e => e.GetString() == PhantomImages.Preprocessing)
            && Candidates(s["mode"]).Select(e => e.GetString()).FirstOrDefault(m => m != "image") is string other)
            throw s.Bad("preprocessing", $"\"{CapsLayout.T1Linear}\" when mode may be {other}: the shepplogan phantoms are trained in image mode only "
                + "(ClinicaDL 0.2.1's patch, roi and slice datasets reject them)", s["preprocessing"]);
        foreach (string key in new[] { "baseline", "unnormalize", "wd_bool" })
            ChoiceOf(s, key, e => e.ValueKind is JsonValueKind.True or JsonValueKind.False, "true or false (or a list of them)");
        Exponents(s, "learning_rate", warn);
        Exponents(s, "weight_decay", warn);
        RangeOf(s, "dropout", integer: false, min: 0, max: 1, maxExclusive: true);
        RangeOf(s, "accumulation_steps", integer: true, min: 1);
        ChoiceOf(s, "loss", e => e.ValueKind == JsonValueKind.String && e.GetString() == "default",
            "\"default\": ClinicaDL 0.2.1 records a sampled loss but always trains with the summed cross-entropy (V8)");
        ChoiceOf(s, "optimizer", e => e.ValueKind == JsonValueKind.String && e.GetString() == "Adam",
            "\"Adam\": ClinicaDL 0.2.1 records a sampled optimizer but always trains with Adam (V8)");
        ChoiceOf(s, "sampler", e => e.ValueKind == JsonValueKind.String && e.GetString() is "random" or "weighted", "\"random\" or \"weighted\" (or a list of them)");
        ChoiceOf(s, "transfer_learning_path", e => e.ValueKind is JsonValueKind.String or JsonValueKind.Null, "a folder path or null (or a list of them)");
        ChoiceOf(s, "transfer_learning_selection", e => e.ValueKind == JsonValueKind.String && e.GetString() is "best_loss" or "best_balanced_accuracy",
            "\"best_loss\" or \"best_balanced_accuracy\" (or a list of them)");
        RangeOf(s, "selection_threshold", integer: false, min: 0, max: 1);
        RangeOf(s, "patch_size", integer: true, min: 1);
        RangeOf(s, "stride_size", integer: true, min: 1);
        RangeOf(s, "discarded_slices", integer: true, min: 0);
        ChoiceOf(s, "slice_direction", e => SearchSpace.IsInteger(e) && e.GetInt64() is >= 0 and <= 2, "0, 1 or 2 (or a list of them)");
        RangeOf(s, "n_convblocks", integer: true, min: 1);
        ChoiceOf(s, "first_conv_width", e => SearchSpace.IsInteger(e) && e.GetInt64() is >= 1 and <= 1 << 20, "a positive integer, or a list of them to choose from (a set, not a range)");
        ChoiceOf(s, "d_reduction", e => e.ValueKind == JsonValueKind.String && ConvolutionBlock.Parse(e.GetString()) is not null, "\"MaxPooling\" or \"stride\" (or a list of them)");
        ChoiceOf(s, "n_conv", e => SearchSpace.IsInteger(e) && e.GetInt64() is >= 1 and <= 100, "a positive integer, or a list of them to choose from (a set, not a range)");

        Fixed(s, "channels_limit", e => SearchSpace.IsInteger(e) && e.GetInt64() is >= 1 and <= 1 << 20, "a positive integer");
        Fixed(s, "epochs", e => SearchSpace.IsInteger(e) && e.GetInt64() is >= 1 and <= int.MaxValue, "a positive integer");
        Fixed(s, "patience", e => SearchSpace.IsInteger(e) && e.GetInt64() is >= 0 and <= int.MaxValue, "a non-negative integer");
        Fixed(s, "tolerance", e => e.ValueKind == JsonValueKind.Number && e.GetDouble() >= 0, "a non-negative number");
        Fixed(s, "tsv_path", e => e.ValueKind == JsonValueKind.String && e.GetString()!.Length > 0, "a path");
        Fixed(s, "caps_dir", e => e.ValueKind == JsonValueKind.String && e.GetString()!.Length > 0, "a path");
        Fixed(s, "diagnoses", e => e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0
            && e.EnumerateArray().All(d => d.ValueKind == JsonValueKind.String && Diagnosis.Label(d.GetString()!) is not null)
            && e.EnumerateArray().Select(d => d.GetString()).Distinct().Count() == e.GetArrayLength(),
            $"a list of distinct diagnoses among {string.Join(", ", Diagnosis.Names)}");
        Fixed(s, "data_augmentation", e => e.ValueKind == JsonValueKind.False
            || e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String && a.GetString() is "None" or "Noise" or "Erasing" or "CropPad" or "Smoothing"),
            "false or a list of Noise, Erasing, CropPad, Smoothing, None");
        foreach (string key in new[] { "multi_cohort", "use_extracted_patches", "use_extracted_slices", "uncropped_roi", "use_extracted_roi" })
            Fixed(s, key, e => e.ValueKind is JsonValueKind.True or JsonValueKind.False, "true or false");
        Fixed(s, "roi_list", e => e.ValueKind == JsonValueKind.Null || e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0
            && e.EnumerateArray().All(r => r.ValueKind == JsonValueKind.String), "null or a list of ROI names");
        CheckModeKeys(s);
    }

    /// <summary>The mode keys against the mode and network candidates: every combination that can be drawn must train
    /// (0.2.1 found these at dataset or model creation, or never).</summary>
    private static void CheckModeKeys(SearchSpace s)
    {
        var modes = Candidates(s["mode"]).Select(e => e.GetString()!).ToHashSet();
        bool multi = Candidates(s["network_type"]).Any(e => NetworkKind.Named(e.GetString()!) is { NetworkPerElement: true });
        if (modes.Contains("image") && multi)
            throw s.Bad("network_type", "cnn when mode may be image: multicnn trains one network per element and an image is one element "
                + "(ClinicaDL 0.2.1 raises ValueError)", s["network_type"]);
        var image = CapsLayout.CroppedShape;
        if (modes.Contains("patch"))
        {
            int shortest = image.Min();
            int largest = (int)Largest(s["patch_size"]);
            if (largest > shortest)
                throw s.Bad("patch_size", string.Create(CultureInfo.InvariantCulture,
                    $"at most {shortest} (a patch must fit in the {string.Join("×", image)} images)"), s["patch_size"]);
            // The fewest patches come from the largest patch with the largest stride.
            var fewest = new PatchGrid(largest, (int)Largest(s["stride_size"]));
            if (multi && fewest.Count(image) < 2)
                throw s.Bad("stride_size", string.Create(CultureInfo.InvariantCulture,
                    $"small enough to give at least two patches for multicnn (patch_size {fewest.PatchSize} with stride_size {fewest.StrideSize} gives one)"), s["stride_size"]);
        }
        if (modes.Contains("slice"))
        {
            if (Candidates(s["unnormalize"]).Any(e => e.ValueKind == JsonValueKind.True))
                throw s.Bad("unnormalize", "false in slice mode: slices are quantised to 8 bits after min-max normalisation; without it 0.2.1 overflows (spec M12)", s["unnormalize"]);
            int discarded = (int)Largest(s["discarded_slices"]);
            foreach (var direction in Candidates(s["slice_direction"]).Select(e => (SliceDirection)e.GetInt64()))
            {
                int length = direction.Length(image), left = length - 2 * discarded, needed = multi ? 2 : 1;
                if (left < needed)
                {
                    string why = multi ? "; multicnn needs two" : "";
                    throw s.Bad("discarded_slices", string.Create(CultureInfo.InvariantCulture,
                        $"at most {(length - needed) / 2} ({discarded} slices discarded at both ends of the {length} {direction.ToString().ToLowerInvariant()} slices leave {Math.Max(left, 0)}{why})"),
                        s["discarded_slices"]);
                }
            }
        }
    }

    /// <summary>The largest value a scalar or a range [a, b] gives.</summary>
    private static double Largest(JsonElement v) => v.ValueKind == JsonValueKind.Array ? v[1].GetDouble() : v.GetDouble();

    private static IEnumerable<JsonElement> Candidates(JsonElement v) => v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [v];

    private static void ChoiceOf(SearchSpace s, string key, Func<JsonElement, bool> ok, string expected)
    {
        var v = s[key];
        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0) throw s.Bad(key, expected, v);
        foreach (var e in Candidates(v))
            if (!ok(e)) throw s.Bad(key, expected, e);
    }

    private static void Fixed(SearchSpace s, string key, Func<JsonElement, bool> ok, string expected)
    {
        if (!ok(s[key])) throw s.Bad(key, expected, s[key]);
    }

    /// <summary>A scalar, or a range [a, b] with a ≤ b, of integers or numbers within [min, max].</summary>
    private static void RangeOf(SearchSpace s, string key, bool integer, double min, double max = double.PositiveInfinity, bool maxExclusive = false)
    {
        var v = s[key];
        string kind = integer ? "an integer" : "a number";
        string bounds = double.IsPositiveInfinity(max) ? $"≥ {Text(min)}" : $"in [{Text(min)}, {Text(max)}{(maxExclusive ? ")" : "]")}";
        string expected = $"{kind} {bounds}, or a range [a, b] of them";
        bool Ok(JsonElement e) => e.ValueKind == JsonValueKind.Number && (!integer || SearchSpace.IsInteger(e) && Math.Abs(e.GetDouble()) <= int.MaxValue)
            && e.GetDouble() >= min && (maxExclusive ? e.GetDouble() < max : e.GetDouble() <= max);
        if (v.ValueKind == JsonValueKind.Array)
        {
            if (v.GetArrayLength() != 2 || !Ok(v[0]) || !Ok(v[1]) || v[0].GetDouble() > v[1].GetDouble()) throw s.Bad(key, expected, v);
        }
        else if (!Ok(v)) throw s.Bad(key, expected, v);
    }

    private static void Exponents(SearchSpace s, string key, Action<string>? warn)
    {
        var v = s[key];
        string expected = "an exponent e (the value is 10^-e) or a range [a, b] of exponents";
        bool Ok(JsonElement e) => e.ValueKind == JsonValueKind.Number && double.IsFinite(e.GetDouble()) && Math.Abs(e.GetDouble()) <= 300;
        if (v.ValueKind == JsonValueKind.Array)
        {
            if (v.GetArrayLength() != 2 || !Ok(v[0]) || !Ok(v[1]) || v[0].GetDouble() > v[1].GetDouble()) throw s.Bad(key, expected, v);
        }
        else if (!Ok(v)) throw s.Bad(key, expected, v);
        else if (v.GetDouble() < 1)
            warn?.Invoke($"{s.Path}: \"{key}\": {v.GetRawText()} is an exponent, so the value used is 10^-{v.GetRawText()} = {Text(Math.Pow(10, -v.GetDouble()))}; write 4 for 1e-4.");
    }

    private static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
