using ClinicaDl.Caps;
using ClinicaDl.Data;

namespace ClinicaDl.Options;

/// <summary>Computational resources (ClinicaDL's group, plus ours).</summary>
/// <param name="UseCpu"><c>-cpu/--use_cpu</c>.</param>
/// <param name="NProc"><c>-np/--nproc</c>: images decoded in parallel.</param>
/// <param name="BatchSize"><c>--batch_size</c>.</param>
/// <param name="EvaluationSteps"><c>-esteps/--evaluation_steps</c>: 0 = evaluate at epoch ends only.</param>
/// <param name="Threads"><c>--threads</c>: LibTorch intra-op threads (null = all cores).</param>
/// <param name="EvalBatchSize"><c>--eval_batch_size</c> (null = batch size).</param>
/// <param name="CacheMemoryBytes"><c>--cache_memory</c> (null = half the available memory).</param>
/// <param name="Amp"><c>--amp</c>: mixed precision.</param>
public sealed record ComputationalOptions(
    bool UseCpu = false, int NProc = 2, int BatchSize = 2, int EvaluationSteps = 0,
    int? Threads = null, int? EvalBatchSize = null, long? CacheMemoryBytes = null, bool Amp = false);

/// <summary>Data management.</summary>
/// <param name="MultiCohort"><c>--multi_cohort</c>.</param>
/// <param name="Diagnoses"><c>-d/--diagnoses</c>.</param>
/// <param name="Baseline"><c>--baseline</c>.</param>
/// <param name="Unnormalize"><c>-un/--unnormalize</c>.</param>
/// <param name="DataAugmentation"><c>--data_augmentation</c>, or null when not given (JSON <c>false</c>).</param>
/// <param name="Sampler"><c>-s/--sampler</c>.</param>
public sealed record DataOptions(
    bool MultiCohort, IReadOnlyList<string> Diagnoses, bool Baseline = false, bool Unnormalize = false,
    IReadOnlyList<AugmentationKind>? DataAugmentation = null, SamplerKind Sampler = SamplerKind.Random);

/// <summary>Cross-validation.</summary>
/// <param name="NSplits"><c>--n_splits</c>, or null for <c>train/</c> + <c>validation/</c>.</param>
/// <param name="Split"><c>--split</c>: folds to train, or null for all.</param>
public sealed record CrossValidationOptions(int? NSplits = null, IReadOnlyList<int>? Split = null)
{
    /// <summary>The folds to train (spec §1.3).</summary>
    public IReadOnlyList<int> Folds => Split is { Count: > 0 } ? Split : NSplits is int n ? Enumerable.Range(0, n).ToList() : [0];
}

/// <summary>Optimisation.</summary>
public sealed record OptimizationOptions(
    int Epochs = 20, double LearningRate = 1e-4, double WeightDecay = 1e-4, double Dropout = 0,
    int Patience = 0, double Tolerance = 0, int AccumulationSteps = 1);

/// <summary>Transfer learning.</summary>
/// <param name="Path"><c>--transfer_learning_path</c>.</param>
/// <param name="Selection"><c>--transfer_learning_selection</c>: <c>best_loss</c> or <c>best_balanced_accuracy</c>.</param>
public sealed record TransferOptions(string? Path = null, string Selection = "best_balanced_accuracy");

/// <summary>Everything <c>clinicadl train &lt;mode&gt; &lt;network&gt;</c> takes, parsed once (STYLE §2): the options every mode shares, and the mode's own in <see cref="Mode"/>.</summary>
/// <param name="NetworkKind">autoencoder, cnn or multicnn.</param>
/// <param name="CapsDir">CAPS_DIR as given (a TSV with <c>--multi_cohort</c>).</param>
/// <param name="Preprocessing">PREPROCESSING (<c>t1-linear</c>).</param>
/// <param name="TsvPath">TSV_PATH as given.</param>
/// <param name="OutputDir">OUTPUT_DIR.</param>
/// <param name="Model">MODEL (<c>Conv4_FC3</c> for ROIs).</param>
/// <param name="Computational">Computational resources.</param>
/// <param name="Data">Data management.</param>
/// <param name="CrossValidation">Folds.</param>
/// <param name="Optimization">Optimiser and stopping.</param>
/// <param name="Mode">The mode and its own options (ROI list, …).</param>
/// <param name="Transfer">Transfer learning.</param>
/// <param name="SelectionThreshold"><c>--selection_threshold</c> (cnn, multicnn).</param>
/// <param name="Visualization"><c>--visualization</c> (autoencoder).</param>
/// <param name="Seed"><c>--seed</c> (decision 5).</param>
/// <param name="Overwrite"><c>--overwrite</c> (decision 4).</param>
/// <param name="LogName"><c>-l/--logname</c>: kept for commandline.json.</param>
public sealed record TrainOptions(
    NetworkKind NetworkKind,
    string CapsDir,
    string Preprocessing,
    string TsvPath,
    string OutputDir,
    string Model,
    ComputationalOptions Computational,
    DataOptions Data,
    CrossValidationOptions CrossValidation,
    OptimizationOptions Optimization,
    ModeOptions Mode,
    TransferOptions Transfer,
    double SelectionThreshold = 0,
    bool Visualization = false,
    long Seed = 0,
    bool Overwrite = false,
    string LogName = "clinicaDL.log")
{
    /// <summary>The name used on the command line and in commandline.json.</summary>
    public string NetworkName => NetworkKind.Name;

    /// <summary>The sampled <c>RandomArchitecture</c> of a random-search job, or null for Conv4_FC3.</summary>
    public RandomArchitectureOptions? Architecture { get; init; }

    /// <summary>What a random-search job records beyond these options, or null for <c>train</c>.</summary>
    public RandomSearchRecord? Search { get; init; }

    /// <summary>The working directory of the run that wrote a commandline.json (relative paths are relative to it); null for a new run.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The options with CAPS_DIR, TSV_PATH and the transfer path made usable from the current directory.</summary>
    public TrainOptions Rebased() => this with
    {
        CapsDir = CommandLineRecord.Rebase(CapsDir, WorkingDirectory),
        TsvPath = CommandLineRecord.Rebase(TsvPath, WorkingDirectory),
        Transfer = Transfer with { Path = Transfer.Path is null ? null : CommandLineRecord.Rebase(Transfer.Path, WorkingDirectory) },
    };

    /// <summary>Batch size of evaluation passes.</summary>
    public int EvalBatchSize => Computational.EvalBatchSize ?? Computational.BatchSize;

    /// <summary>Default options of <paramref name="mode"/> (default: ROI) for a CAPS/labels/output triple (mainly for tests and the quickstart).</summary>
    public static TrainOptions Defaults(NetworkType type, string caps, string tsv, string output, ModeOptions? mode = null)
    {
        mode ??= new RoiOptions();
        return TrainSchema.Blank(mode, NetworkKind.Of(type)) with
        {
            CapsDir = caps, TsvPath = tsv, OutputDir = output, Computational = new ComputationalOptions(UseCpu: true),
        };
    }
}
