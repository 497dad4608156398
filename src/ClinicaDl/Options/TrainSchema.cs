using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Slices;

namespace ClinicaDl.Options;

/// <summary>Every option of <c>clinicadl train &lt;mode&gt; &lt;network&gt;</c> and every key of its <c>commandline.json</c>, each declared
/// once. The CLI's options and <c>--help</c>, the building of <see cref="TrainOptions"/> from a parse, the writing and reading of
/// <c>commandline.json</c> (<c>train resume</c>, <c>classify</c>, transfer learning, files of ClinicaDL 0.2.1) and the check of the
/// docs' option tables are derived from these declarations.</summary>
/// <remarks>
/// The order of the declarations is the order of <c>commandline.json</c>'s keys: ClinicaDL 0.2.1's (spec roi §7.9, modes §1.4),
/// then ours. <c>--help</c> lists the options by <see cref="OptionGroup"/>, in this order within a group. Adding an option is one
/// declaration here (plus the record property it sets and its use); its default is that property's default.
/// </remarks>
public static class TrainSchema
{
    private static readonly List<TrainOption> Declared = [];

    /// <summary>Every declaration, in <c>commandline.json</c> order.</summary>
    public static IReadOnlyList<TrainOption> All => Declared;

    private static TrainOption<T> Declare<T>(TrainOption<T> option)
    {
        Declared.Add(option);
        return option;
    }

    /// <summary>The options of <c>train &lt;mode&gt; &lt;kind&gt;</c> on the command line, in <c>--help</c> order.</summary>
    public static IReadOnlyList<TrainOption> CommandLine(ModeOptions mode, NetworkKind kind)
        => Declared.Where(o => o.Shape != OptionShape.Record && o.Offered(mode, kind) && o.GivenWhen(mode, kind)).OrderBy(o => o.Group).ToList();

    /// <summary>Options of <paramref name="mode"/> and <paramref name="kind"/> at their defaults (the records' own), with empty paths.</summary>
    public static TrainOptions Blank(ModeOptions mode, NetworkKind kind)
        => new(kind, "", CapsLayout.T1Linear, "", "", mode.DefaultModel, new ComputationalOptions(), new DataOptions(false, Diagnosis.Default),
            new CrossValidationOptions(), new OptimizationOptions(), mode, new TransferOptions(null, kind.DefaultSelection));

    /// <summary>Checks every bounded value of <paramref name="o"/> (integers, numbers, memory sizes) as the command line does.</summary>
    /// <exception cref="Errors.InvalidOptionException">The first value out of bounds, naming the option.</exception>
    internal static void CheckBounds(TrainOptions o)
    {
        foreach (var option in Declared) option.CheckBounds(o);
    }

    /// <summary>A mode option: set on the mode's record.</summary>
    private static TrainOptions SetMode<TMode>(TrainOptions o, Func<TMode, TMode> set) where TMode : ModeOptions
        => o with { Mode = set((TMode)o.Mode) };

    private static IReadOnlyDictionary<string, string> PerMode(string roi, string patch, string image, string slice)
        => new Dictionary<string, string> { ["roi"] = roi, ["patch"] = patch, ["image"] = image, ["slice"] = slice };

    // ---- Record: the head of commandline.json ----

    /// <summary><c>-l/--logname</c> (a global option of the CLI).</summary>
    public static readonly TrainOption<string> LogName = Declare(new TrainOption<string>
    {
        Shape = OptionShape.Record, Group = OptionGroup.Record, Key = "logname",
        Get = o => o.LogName, Set = (o, v) => o with { LogName = v }, Read = (r, k, v, _) => r.Str(k, v),
    });

    /// <summary>0.2.1's <c>version</c> flag, recorded as false.</summary>
    public static readonly TrainOption<bool> Version = Declare(new TrainOption<bool> { Shape = OptionShape.Record, Group = OptionGroup.Record, Key = "version", Get = _ => false });

    /// <summary>The verb that wrote the record.</summary>
    public static readonly TrainOption<string> Task = Declare(new TrainOption<string>
    { Shape = OptionShape.Record, Group = OptionGroup.Record, Key = "task", Get = o => o.Search is null ? "train" : "random-search" });

    /// <summary>The mode (read first, by <see cref="CommandLineRecord"/>).</summary>
    public static readonly TrainOption<string> Mode = Declare(new TrainOption<string> { Shape = OptionShape.Record, Group = OptionGroup.Record, Key = "mode", Get = o => o.Mode.Name });

    /// <summary>The network kind (read first, by <see cref="CommandLineRecord"/>).</summary>
    public static readonly TrainOption<string> NetworkType = Declare(new TrainOption<string>
    { Shape = OptionShape.Record, Group = OptionGroup.Record, Key = "network_type", Get = o => o.NetworkName });

    // ---- Arguments ----

    /// <summary>CAPS_DIR.</summary>
    public static readonly TrainOption<string> CapsDir = Declare(new TrainOption<string>
    {
        Name = "CAPS_DIR", Shape = OptionShape.Argument, Group = OptionGroup.Arguments, Key = "caps_dir",
        Help = "Input CAPS folder (with --multi_cohort: a TSV of cohort, path).",
        Get = o => o.CapsDir, Set = (o, v) => o with { CapsDir = v },
    });

    /// <summary>PREPROCESSING.</summary>
    public static readonly TrainOption<string> Preprocessing = Declare(new TrainOption<string>
    {
        Name = "PREPROCESSING", Shape = OptionShape.Argument, Group = OptionGroup.Arguments, Key = "preprocessing",
        Help = "Preprocessing of the images.", Choices = [CapsLayout.T1Linear],
        RefusalNotes = new Dictionary<string, string>
        {
            [PhantomImages.Preprocessing] = "the Shepp-Logan phantoms of generate shepplogan are trained through clinicadl random-search, with "
                + "\"mode\": \"image\" and \"preprocessing\": \"shepplogan\" in random_search.json; ClinicaDL 0.2.1's train does not take them either",
        },
        Get = o => o.Preprocessing, Set = (o, v) => o with { Preprocessing = v },
    });

    /// <summary>TSV_PATH.</summary>
    public static readonly TrainOption<string> TsvPath = Declare(new TrainOption<string>
    {
        Name = "TSV_PATH", Shape = OptionShape.Argument, Group = OptionGroup.Arguments, Key = "tsv_path",
        Help = "Label folder made by tsvtool split/kfold (with --multi_cohort: a TSV of cohort, path, diagnoses).",
        Get = o => o.TsvPath, Set = (o, v) => o with { TsvPath = v },
    });

    /// <summary>OUTPUT_DIR (not recorded: the record lives in it).</summary>
    public static readonly TrainOption<string> OutputDir = Declare(new TrainOption<string>
    {
        Name = "OUTPUT_DIR", Shape = OptionShape.Argument, Group = OptionGroup.Arguments,
        Help = "Results folder (never deleted; fold folders holding results are refused without --overwrite).",
        Get = o => o.OutputDir, Set = (o, v) => o with { OutputDir = v },
    });

    /// <summary>MODEL; a random-search record without it used its RandomArchitecture.</summary>
    public static readonly TrainOption<string> Model = Declare(new TrainOption<string>
    {
        Name = "MODEL", Shape = OptionShape.Argument, Group = OptionGroup.Arguments, Key = "model",
        HelpFor = m => PerMode(
            roi: "Architecture (ClinicaDL 0.2.1's ROI network).",
            patch: "Architecture (ClinicaDL 0.2.1's patch network).",
            image: "Architecture (ClinicaDL 0.2.1's image networks; Conv4_FC3 for the autoencoder only).",
            slice: "Architecture (ClinicaDL 0.2.1's slice network).")[m.Name],
        ChoicesFor = m => m.Models,
        Get = o => o.Model, Set = (o, v) => o with { Model = v },
        Read = (r, k, v, o) => r.Str(k, o.Architecture is null ? v : "RandomArchitecture"),
    });

    // ---- Computational resources ----

    /// <summary><c>-cpu/--use_cpu</c>.</summary>
    public static readonly TrainOption<bool> UseCpu = Declare(new TrainOption<bool>
    {
        Name = "--use_cpu", Aliases = ["-cpu"], Shape = OptionShape.Flag, Group = OptionGroup.Computational, Key = "use_cpu",
        Help = "Run on the CPU (default: GPU).",
        Get = o => o.Computational.UseCpu, Set = (o, v) => o with { Computational = o.Computational with { UseCpu = v } },
    });

    /// <summary><c>-np/--nproc</c>.</summary>
    public static readonly TrainOption<int> NProc = Declare(new TrainOption<int>
    {
        Name = "--nproc", Aliases = ["-np"], Shape = OptionShape.Int, Min = 1, Group = OptionGroup.Computational, Key = "nproc",
        Help = "Images decoded in parallel into the cache.",
        Get = o => o.Computational.NProc, Set = (o, v) => o with { Computational = o.Computational with { NProc = v } },
    });

    /// <summary><c>--batch_size</c>.</summary>
    public static readonly TrainOption<int> BatchSize = Declare(new TrainOption<int>
    {
        Name = "--batch_size", Shape = OptionShape.Int, Min = 1, Group = OptionGroup.Computational, Key = "batch_size",
        Help = "Mini-batch size.",
        Get = o => o.Computational.BatchSize, Set = (o, v) => o with { Computational = o.Computational with { BatchSize = v } },
    });

    /// <summary><c>-esteps/--evaluation_steps</c>.</summary>
    public static readonly TrainOption<int> EvaluationSteps = Declare(new TrainOption<int>
    {
        Name = "--evaluation_steps", Aliases = ["-esteps"], Shape = OptionShape.Int, Min = 0, Group = OptionGroup.Computational, Key = "evaluation_steps",
        Help = "Evaluate every this many batches during an epoch (0: at epoch ends only).",
        Get = o => o.Computational.EvaluationSteps, Set = (o, v) => o with { Computational = o.Computational with { EvaluationSteps = v } },
    });

    // ---- Data management ----

    /// <summary><c>--multi_cohort</c>.</summary>
    public static readonly TrainOption<bool> MultiCohort = Declare(new TrainOption<bool>
    {
        Name = "--multi_cohort", Shape = OptionShape.Flag, Group = OptionGroup.Data, Key = "multi_cohort",
        Help = "CAPS_DIR and TSV_PATH are TSV files listing cohorts.",
        Get = o => o.Data.MultiCohort, Set = (o, v) => o with { Data = o.Data with { MultiCohort = v } },
    });

    /// <summary><c>-d/--diagnoses</c>.</summary>
    public static readonly TrainOption<IReadOnlyList<string>> Diagnoses = Declare(new TrainOption<IReadOnlyList<string>>
    {
        Name = "--diagnoses", Aliases = ["-d"], Shape = OptionShape.Choices, Choices = Diagnosis.Names, Group = OptionGroup.Data, Key = "diagnoses",
        Help = "Diagnoses used (label files read).",
        Get = o => o.Data.Diagnoses, Set = (o, v) => o with { Data = o.Data with { Diagnoses = v } },
    });

    /// <summary><c>--baseline</c>.</summary>
    public static readonly TrainOption<bool> Baseline = Declare(new TrainOption<bool>
    {
        Name = "--baseline", Shape = OptionShape.Flag, Group = OptionGroup.Data, Key = "baseline",
        Help = "Train on <DIAG>_baseline.tsv (baseline sessions) only.",
        Get = o => o.Data.Baseline, Set = (o, v) => o with { Data = o.Data with { Baseline = v } },
    });

    /// <summary><c>-un/--unnormalize</c>.</summary>
    public static readonly TrainOption<bool> Unnormalize = Declare(new TrainOption<bool>
    {
        Name = "--unnormalize", Aliases = ["-un"], Shape = OptionShape.Flag, Group = OptionGroup.Data, Key = "unnormalize",
        HelpFor = m => m.AllowsUnnormalize ? $"Disable per-{m.Name} min-max normalisation."
            : "Refused in slice mode: slices are quantised to 8 bits after min-max normalisation.",
        Get = o => o.Data.Unnormalize, Set = (o, v) => o with { Data = o.Data with { Unnormalize = v } },
    });

    /// <summary><c>--data_augmentation</c> (JSON <c>false</c> when not given; an unknown name reads as <c>None</c>).</summary>
    public static readonly TrainOption<IReadOnlyList<string>?> DataAugmentation = Declare(new TrainOption<IReadOnlyList<string>?>
    {
        Name = "--data_augmentation", Shape = OptionShape.Choices, Choices = Enum.GetNames<AugmentationKind>(), Group = OptionGroup.Data, Key = "data_augmentation",
        Help = "Training transforms, applied in the given order.",
        Get = o => o.Data.DataAugmentation?.Select(a => a.ToString()).ToList(),
        Set = (o, v) => o with { Data = o.Data with { DataAugmentation = v?.Select(a => Enum.TryParse<AugmentationKind>(a, out var k) ? k : AugmentationKind.None).ToList() } },
        ToJson = v => v is null ? false : v,
    });

    /// <summary><c>-s/--sampler</c> (anything but <c>weighted</c> reads as <c>random</c>).</summary>
    public static readonly TrainOption<string> Sampler = Declare(new TrainOption<string>
    {
        Name = "--sampler", Aliases = ["-s"], Shape = OptionShape.Choice, Choices = ["random", "weighted"], Group = OptionGroup.Data, Key = "sampler",
        Help = "Training sampler.",
        Get = o => o.Data.Sampler == SamplerKind.Weighted ? "weighted" : "random",
        Set = (o, v) => o with { Data = o.Data with { Sampler = v == "weighted" ? SamplerKind.Weighted : SamplerKind.Random } },
    });

    // ---- Cross-validation ----

    /// <summary><c>--n_splits</c>.</summary>
    public static readonly TrainOption<int?> NSplits = Declare(new TrainOption<int?>
    {
        Name = "--n_splits", Shape = OptionShape.OptionalInt, Min = 2, Group = OptionGroup.CrossValidation, Key = "n_splits",
        Help = "Read train_splits-<n>/validation_splits-<n> (default: train/ and validation/).",
        Get = o => o.CrossValidation.NSplits, Set = (o, v) => o with { CrossValidation = o.CrossValidation with { NSplits = v } },
    });

    /// <summary><c>--split</c> (a single number in a file reads as a list of one).</summary>
    public static readonly TrainOption<IReadOnlyList<int>?> Split = Declare(new TrainOption<IReadOnlyList<int>?>
    {
        Name = "--split", Shape = OptionShape.IntList, Min = 0, Group = OptionGroup.CrossValidation, Key = "split",
        Help = "Folds to train (default: all).",
        Get = o => o.CrossValidation.Split, Set = (o, v) => o with { CrossValidation = o.CrossValidation with { Split = v } },
        Read = (r, k, v, _) => !r.Present(k, out var e) ? null
            : e.ValueKind is System.Text.Json.JsonValueKind.Array or System.Text.Json.JsonValueKind.Number ? TrainOption<int>.IntList(r, k, e)
            : throw r.Wrong(k, "a list of fold indices", e),
    });

    // ---- Optimisation ----

    /// <summary><c>--epochs</c>.</summary>
    public static readonly TrainOption<int> Epochs = Declare(new TrainOption<int>
    {
        Name = "--epochs", Shape = OptionShape.Int, Min = 1, Group = OptionGroup.Optimization, Key = "epochs",
        Help = "Maximum number of epochs.",
        Get = o => o.Optimization.Epochs, Set = (o, v) => o with { Optimization = o.Optimization with { Epochs = v } },
    });

    /// <summary><c>-lr/--learning_rate</c>.</summary>
    public static readonly TrainOption<double> LearningRate = Declare(new TrainOption<double>
    {
        Name = "--learning_rate", Aliases = ["-lr"], Shape = OptionShape.Double, Min = 0, MinExclusive = true, Group = OptionGroup.Optimization, Key = "learning_rate",
        Help = "Adam learning rate.",
        Get = o => o.Optimization.LearningRate, Set = (o, v) => o with { Optimization = o.Optimization with { LearningRate = v } },
    });

    /// <summary><c>-wd/--weight_decay</c>.</summary>
    public static readonly TrainOption<double> WeightDecay = Declare(new TrainOption<double>
    {
        Name = "--weight_decay", Aliases = ["-wd"], Shape = OptionShape.Double, Min = 0, Group = OptionGroup.Optimization, Key = "weight_decay",
        Help = "Adam weight decay.",
        Get = o => o.Optimization.WeightDecay, Set = (o, v) => o with { Optimization = o.Optimization with { WeightDecay = v } },
    });

    /// <summary><c>--dropout</c> (argparse stores the default as the integer 0).</summary>
    public static readonly TrainOption<double> Dropout = Declare(new TrainOption<double>
    {
        Name = "--dropout", Shape = OptionShape.Double, Min = 0, Max = 1, MaxExclusive = true, Group = OptionGroup.Optimization, Key = "dropout",
        HelpFor = m => PerMode(
            roi: "Dropout probability of Conv4_FC3's two dropout layers.",
            patch: "Dropout probability of Conv4_FC3's two dropout layers.",
            image: "Dropout probability of the network's dropout layer.",
            slice: "Dropout probability between resnet18's fc and fc_out.")[m.Name],
        Get = o => o.Optimization.Dropout, Set = (o, v) => o with { Optimization = o.Optimization with { Dropout = v } },
        ToJson = v => v == 0 ? (object)0 : v,
    });

    /// <summary><c>--patience</c>.</summary>
    public static readonly TrainOption<int> Patience = Declare(new TrainOption<int>
    {
        Name = "--patience", Shape = OptionShape.Int, Min = 0, Group = OptionGroup.Optimization, Key = "patience",
        Help = "Early stopping: epochs without improvement (0: never stop).",
        Get = o => o.Optimization.Patience, Set = (o, v) => o with { Optimization = o.Optimization with { Patience = v } },
    });

    /// <summary><c>--tolerance</c>.</summary>
    public static readonly TrainOption<double> Tolerance = Declare(new TrainOption<double>
    {
        Name = "--tolerance", Shape = OptionShape.Double, Min = 0, Group = OptionGroup.Optimization, Key = "tolerance",
        Help = "Early stopping: relative improvement required.",
        Get = o => o.Optimization.Tolerance, Set = (o, v) => o with { Optimization = o.Optimization with { Tolerance = v } },
    });

    /// <summary><c>-asteps/--accumulation_steps</c>.</summary>
    public static readonly TrainOption<int> AccumulationSteps = Declare(new TrainOption<int>
    {
        Name = "--accumulation_steps", Aliases = ["-asteps"], Shape = OptionShape.Int, Min = 1, Group = OptionGroup.Optimization, Key = "accumulation_steps",
        Help = "Gradient accumulation: batches per update.",
        Get = o => o.Optimization.AccumulationSteps, Set = (o, v) => o with { Optimization = o.Optimization with { AccumulationSteps = v } },
    });

    // ---- The modes' own options (spec modes §1.4: after accumulation_steps) ----

    /// <summary><c>-ps/--patch_size</c>.</summary>
    public static readonly TrainOption<int> PatchSize = Declare(new TrainOption<int>
    {
        Name = "--patch_size", Aliases = ["-ps"], Shape = OptionShape.Int, Group = OptionGroup.Mode, ModeType = typeof(PatchOptions), Key = "patch_size",
        Help = "Side of the cubic patches, in voxels (47..62 for Conv4_FC3; ≥ 31 for its autoencoder).",
        Get = o => ((PatchOptions)o.Mode).PatchSize, Set = (o, v) => SetMode<PatchOptions>(o, m => m with { PatchSize = v }),
    });

    /// <summary><c>-ss/--stride_size</c>.</summary>
    public static readonly TrainOption<int> StrideSize = Declare(new TrainOption<int>
    {
        Name = "--stride_size", Aliases = ["-ss"], Shape = OptionShape.Int, Group = OptionGroup.Mode, ModeType = typeof(PatchOptions), Key = "stride_size",
        Help = "Distance between the origins of consecutive patches on every axis.",
        Get = o => ((PatchOptions)o.Mode).StrideSize, Set = (o, v) => SetMode<PatchOptions>(o, m => m with { StrideSize = v }),
    });

    /// <summary><c>--use_extracted_patches</c>.</summary>
    public static readonly TrainOption<bool> UseExtractedPatches = Declare(new TrainOption<bool>
    {
        Name = "--use_extracted_patches", Shape = OptionShape.Flag, Group = OptionGroup.Mode, ModeType = typeof(PatchOptions), Key = "use_extracted_patches",
        Help = "Read patch tensors written by clinicadl extract patch (same -ps/-ss).",
        Get = o => ((PatchOptions)o.Mode).UseExtractedPatches, Set = (o, v) => SetMode<PatchOptions>(o, m => m with { UseExtractedPatches = v }),
    });

    /// <summary><c>-rl/--roi_list</c>.</summary>
    public static readonly TrainOption<IReadOnlyList<string>?> RoiList = Declare(new TrainOption<IReadOnlyList<string>?>
    {
        Name = "--roi_list", Aliases = ["-rl"], Shape = OptionShape.List, HelpName = "ROI", Group = OptionGroup.Mode, ModeType = typeof(RoiOptions), Key = "roi_list",
        Help = "Names of mask-defined ROIs (default: the two hippocampus cubes).",
        Get = o => ((RoiOptions)o.Mode).RoiList, Set = (o, v) => SetMode<RoiOptions>(o, m => m with { RoiList = v }),
    });

    /// <summary><c>--uncropped_roi</c>.</summary>
    public static readonly TrainOption<bool> UncroppedRoi = Declare(new TrainOption<bool>
    {
        Name = "--uncropped_roi", Shape = OptionShape.Flag, Group = OptionGroup.Mode, ModeType = typeof(RoiOptions), Key = "uncropped_roi",
        Help = "Keep the whole image grid instead of the mask's bounding box.",
        Get = o => ((RoiOptions)o.Mode).UncroppedRoi, Set = (o, v) => SetMode<RoiOptions>(o, m => m with { UncroppedRoi = v }),
    });

    /// <summary><c>--use_extracted_roi</c>.</summary>
    public static readonly TrainOption<bool> UseExtractedRoi = Declare(new TrainOption<bool>
    {
        Name = "--use_extracted_roi", Shape = OptionShape.Flag, Group = OptionGroup.Mode, ModeType = typeof(RoiOptions), Key = "use_extracted_roi",
        Help = "Read ROI tensors written by clinicadl extract roi.",
        Get = o => ((RoiOptions)o.Mode).UseExtractedRoi, Set = (o, v) => SetMode<RoiOptions>(o, m => m with { UseExtractedRoi = v }),
    });

    /// <summary><c>-sd/--slice_direction</c>; older files call it <c>mri_plane</c> (spec modes §1.2).</summary>
    public static readonly TrainOption<int> SliceDirection = Declare(new TrainOption<int>
    {
        Name = "--slice_direction", Aliases = ["-sd"], Shape = OptionShape.Int, Group = OptionGroup.Mode, ModeType = typeof(SliceOptions), Key = "slice_direction",
        Help = "Slice axis: 0 sagittal, 1 coronal, 2 axial.",
        Get = o => ((SliceOptions)o.Mode).SliceDirection, Set = (o, v) => SetMode<SliceOptions>(o, m => m with { SliceDirection = v }),
        Read = (r, k, v, _) => r.IntOrNull(k) ?? r.IntOrNull("mri_plane") ?? v,
    });

    /// <summary><c>--discarded_slices</c>: stored as given, 0.2.1's default as the integer 20; read as recorded (0.2.1's reader always used 20: spec M2).</summary>
    public static readonly TrainOption<IReadOnlyList<int>?> DiscardedSlices = Declare(new TrainOption<IReadOnlyList<int>?>
    {
        Name = "--discarded_slices", Shape = OptionShape.IntList, Group = OptionGroup.Mode, ModeType = typeof(SliceOptions), Key = "discarded_slices",
        Help = "Slices dropped at the beginning and the end: one value for both, or two (default 20).",
        Get = o => ((SliceOptions)o.Mode).DiscardedSlices, Set = (o, v) => SetMode<SliceOptions>(o, m => m with { DiscardedSlices = v }),
        ToJson = v => v is null ? SliceRange.DefaultDiscarded : v,
        Read = (r, k, _, _) => !r.Present(k, out var e) ? null
            : TrainOption<int>.IntList(r, k, e) is var d && e.ValueKind == System.Text.Json.JsonValueKind.Number && d[0] == SliceRange.DefaultDiscarded ? null : d,
    });

    /// <summary><c>--use_extracted_slices</c>.</summary>
    public static readonly TrainOption<bool> UseExtractedSlices = Declare(new TrainOption<bool>
    {
        Name = "--use_extracted_slices", Shape = OptionShape.Flag, Group = OptionGroup.Mode, ModeType = typeof(SliceOptions), Key = "use_extracted_slices",
        Help = "Read the rgb slice tensors written by clinicadl extract slice (same -sd).",
        Get = o => ((SliceOptions)o.Mode).UseExtractedSlices, Set = (o, v) => SetMode<SliceOptions>(o, m => m with { UseExtractedSlices = v }),
    });

    // ---- Network-specific and transfer learning (spec modes §1.4) ----

    /// <summary><c>--visualization</c> (autoencoders, where the mode offers it).</summary>
    public static readonly TrainOption<bool> Visualization = Declare(new TrainOption<bool>
    {
        Name = "--visualization", Shape = OptionShape.Flag, Group = OptionGroup.Network, Key = "visualization",
        OfferedWhen = (m, k) => k.TakesVisualization && m.HasVisualization,
        Help = "Write input and reconstruction NIfTI pairs after training.",
        Get = o => o.Visualization, Set = (o, v) => o with { Visualization = v },
    });

    /// <summary><c>--transfer_learning_path</c> (a value that is not a string reads as none).</summary>
    public static readonly TrainOption<string?> TransferLearningPath = Declare(new TrainOption<string?>
    {
        Name = "--transfer_learning_path", Shape = OptionShape.Text, HelpName = "DIR", Group = OptionGroup.Transfer, Key = "transfer_learning_path",
        Help = "Results folder of an earlier train to start from.",
        Get = o => o.Transfer.Path, Set = (o, v) => o with { Transfer = o.Transfer with { Path = v } },
    });

    /// <summary><c>--transfer_learning_selection</c> (the classifiers; an autoencoder records <c>best_loss</c>).</summary>
    public static readonly TrainOption<string> TransferLearningSelection = Declare(new TrainOption<string>
    {
        Name = "--transfer_learning_selection", Shape = OptionShape.Choice, Choices = ["best_loss", "best_balanced_accuracy"], Group = OptionGroup.Transfer,
        Key = "transfer_learning_selection", GivenWhen = (_, k) => k.TakesSelection,
        Help = "Which best model of a CNN source is loaded.",
        Get = o => o.NetworkKind.FixedSelection ?? o.Transfer.Selection, Set = (o, v) => o with { Transfer = o.Transfer with { Selection = v } },
    });

    /// <summary><c>--selection_threshold</c> (the classifiers, in modes that vote).</summary>
    public static readonly TrainOption<double> SelectionThreshold = Declare(new TrainOption<double>
    {
        Name = "--selection_threshold", Shape = OptionShape.Double, Min = 0, Max = 1, Group = OptionGroup.Network, Key = "selection_threshold",
        OfferedWhen = (m, k) => k.TakesSelection && m.HasSelectionThreshold,
        HelpFor = m => $"Soft voting: {m.Name} elements with validation balanced accuracy ≤ this get no weight.",
        Get = o => o.SelectionThreshold, Set = (o, v) => o with { SelectionThreshold = v },
    });

    // ---- Ours, after ClinicaDL's keys ----

    /// <summary><c>--seed</c> (decision 5).</summary>
    public static readonly TrainOption<long> Seed = Declare(new TrainOption<long>
    {
        Name = "--seed", Shape = OptionShape.Int, Group = OptionGroup.Ours, Key = "seed", Ours = true,
        Help = "Seed of initialisation, shuffling, sampling and augmentation.",
        Get = o => o.Seed, Set = (o, v) => o with { Seed = v },
        Read = (r, k, v, _) => !r.Present(k, out var e) ? v
            : e.ValueKind == System.Text.Json.JsonValueKind.Number && e.TryGetInt64(out long seed) ? seed : throw r.Wrong(k, "an integer", e),
    });

    /// <summary><c>--threads</c>.</summary>
    public static readonly TrainOption<int?> Threads = Declare(new TrainOption<int?>
    {
        Name = "--threads", Shape = OptionShape.OptionalInt, Min = 1, Group = OptionGroup.Computational, Key = "threads", Ours = true,
        Help = "LibTorch intra-op threads (default: all cores).",
        Get = o => o.Computational.Threads, Set = (o, v) => o with { Computational = o.Computational with { Threads = v } },
    });

    /// <summary><c>--eval_batch_size</c>.</summary>
    public static readonly TrainOption<int?> EvalBatchSize = Declare(new TrainOption<int?>
    {
        Name = "--eval_batch_size", Shape = OptionShape.OptionalInt, Min = 1, Group = OptionGroup.Computational, Key = "eval_batch_size", Ours = true,
        Help = "Batch size of evaluation passes (default: --batch_size).",
        Get = o => o.Computational.EvalBatchSize, Set = (o, v) => o with { Computational = o.Computational with { EvalBatchSize = v } },
    });

    /// <summary><c>--cache_memory</c>.</summary>
    public static readonly TrainOption<long?> CacheMemory = Declare(new TrainOption<long?>
    {
        Name = "--cache_memory", Shape = OptionShape.Bytes, HelpName = "SIZE", Group = OptionGroup.Computational, Key = "cache_memory", Ours = true,
        Help = "Memory for the cached elements (ROIs, patches, slices or images) before they spill to disk (default: half the available memory).",
        Get = o => o.Computational.CacheMemoryBytes, Set = (o, v) => o with { Computational = o.Computational with { CacheMemoryBytes = v } },
    });

    /// <summary><c>--amp</c>.</summary>
    public static readonly TrainOption<bool> Amp = Declare(new TrainOption<bool>
    {
        Name = "--amp", Shape = OptionShape.Flag, Group = OptionGroup.Computational, Key = "amp", Ours = true,
        Help = "bfloat16 mixed precision (float32 master weights and loss); faster only on GPUs and on CPUs with AVX512-BF16 or AMX.",
        Get = o => o.Computational.Amp, Set = (o, v) => o with { Computational = o.Computational with { Amp = v } },
    });

    /// <summary><c>--imagenet_weights</c> (slice mode).</summary>
    public static readonly TrainOption<string?> ImageNetWeights = Declare(new TrainOption<string?>
    {
        Name = "--imagenet_weights", Shape = OptionShape.Text, HelpName = "FILE", Group = OptionGroup.Mode, ModeType = typeof(SliceOptions), Key = "imagenet_weights", Ours = true,
        Help = "torchvision's ResNet-18 ImageNet state dict (default: resnet18-5c106cde.pth in torch hub's cache; without it training starts from random weights).",
        Get = o => ((SliceOptions)o.Mode).ImageNetWeightsFile, Set = (o, v) => SetMode<SliceOptions>(o, m => m with { ImageNetWeightsFile = v }),
    });

    /// <summary><c>--overwrite</c> (decision 4; not recorded).</summary>
    public static readonly TrainOption<bool> Overwrite = Declare(new TrainOption<bool>
    {
        Name = "--overwrite", Shape = OptionShape.Flag, Group = OptionGroup.Ours, Ours = true,
        Help = "Replace the results of the folds being trained.",
        Get = o => o.Overwrite, Set = (o, v) => o with { Overwrite = v },
    });

    // ---- Record: the tail ----

    /// <summary>The version of this tool.</summary>
    public static readonly TrainOption<string> ToolVersion = Declare(new TrainOption<string>
    { Shape = OptionShape.Record, Group = OptionGroup.Record, Key = "clinicadl_net_version", Get = _ => CommandLineRecord.ToolVersion });

    /// <summary>The working directory of the run (relative paths are relative to it); read back as <see cref="TrainOptions.WorkingDirectory"/>.</summary>
    public static readonly TrainOption<string?> WorkingDirectory = Declare(new TrainOption<string?>
    {
        Shape = OptionShape.Record, Group = OptionGroup.Record, Key = "working_directory",
        Get = _ => Environment.CurrentDirectory, Set = (o, v) => o with { WorkingDirectory = v }, Read = (r, k, _, _) => r.StrOrNull(k),
    });
}
