using System.CommandLine;
using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl train &lt;mode&gt; &lt;network&gt;</c> with ClinicaDL 0.2.1's options (spec §1.1), plus ours.</summary>
/// <remarks>The options every mode shares are declared here once; each mode adds its own through its <see cref="ModeVerb"/>.</remarks>
internal static class TrainCommand
{
    /// <summary>The modes of <c>train</c>, in ClinicaDL's order.</summary>
    private static readonly IReadOnlyList<ModeVerb> Modes = [new ImageVerb(), new PatchVerb(), new RoiVerb(), new SliceVerb()];

    /// <summary>The help of <c>--cache_memory</c> (train and random-search, every mode).</summary>
    internal const string CacheMemoryHelp = "Memory for the cached elements (ROIs, patches, slices or images) before they spill to disk (default: half the available memory).";

    public static Command Build(CliContext context, Option<string> logname)
    {
        var train = new Command("train", "Train deep learning models on t1-linear images.");
        foreach (var mode in Modes)
        {
            var verb = new Command(mode.Name, mode.Description);
            foreach (var kind in mode.Defaults.Networks) verb.Subcommands.Add(Network(context, mode, kind, logname));
            foreach (var kind in NetworkKind.All)
                if (mode.Refused.TryGetValue(kind, out var why)) verb.Subcommands.Add(RefusedNetwork($"train {mode.Name} {kind.Name}", kind, why));
            train.Subcommands.Add(verb);
        }
        train.Subcommands.Add(Resume(context));
        return train;
    }

    /// <summary>A network of 0.2.1 that cannot run in this mode: any arguments, then one line and exit 2.</summary>
    private static Command RefusedNetwork(string verb, NetworkKind kind, string why)
    {
        var cmd = new Command(kind.Name, "Not available (see the error it gives).") { TreatUnmatchedTokensAsErrors = false };
        cmd.SetAction((Func<ParseResult, int>)(_ => throw new Errors.InvalidOptionException(verb, why)));
        return cmd;
    }

    private static Command Resume(CliContext context)
    {
        var output = new Argument<string>("OUTPUT_DIR") { Description = "Results folder of an interrupted clinicadl train run." };
        var split = OptionFactory.IntList("--split", "Folds to resume (default: every fold recorded or present).", 0);
        var cmd = new Command("resume", "Continue every unfinished fold from its last checkpoint; finished folds are left alone.") { output, split };
        cmd.SetAction(r =>
        {
            string dir = r.GetValue(output)!;
            var splits = r.GetValue(split);
            var renderer = context.Renderer();
            var summary = RunInterruptible(context, dir,
                () => renderer.Run(() => TrainingRun.Resume(dir, splits is { Length: > 0 } ? splits : null, renderer, cancel: context.Cancel)));
            TrainSummaryPrinter.Print(context, summary);
            return CliApp.Success;
        });
        return cmd;
    }

    /// <summary>Runs a training; on interrupt, says how to resume before the exit code 130/143 is returned.</summary>
    internal static RunSummary RunInterruptible(CliContext context, string outputDir, Func<RunSummary> run)
    {
        try
        {
            return run();
        }
        catch (OperationCanceledException) when (context.Cancel.IsCancellationRequested)
        {
            context.Error.WriteLine($"clinicadl: stopped at a step boundary; every unfinished network keeps a resumable checkpoint. Resume with: clinicadl train resume {outputDir}");
            throw;
        }
    }

    private static Command Network(CliContext context, ModeVerb mode, NetworkKind kind, Option<string> logname)
    {
        var caps = new Argument<string>("CAPS_DIR") { Description = "Input CAPS folder (with --multi_cohort: a TSV of cohort, path)." };
        var preprocessing = OptionFactory.ChoiceArgument("PREPROCESSING", "Preprocessing of the images.", [CapsLayout.T1Linear], new Dictionary<string, string>
        {
            [PhantomImages.Preprocessing] = "the Shepp-Logan phantoms of generate shepplogan are trained through clinicadl random-search, with "
                + "\"mode\": \"image\" and \"preprocessing\": \"shepplogan\" in random_search.json; ClinicaDL 0.2.1's train does not take them either",
        });
        var tsv = new Argument<string>("TSV_PATH") { Description = "Label folder made by tsvtool split/kfold (with --multi_cohort: a TSV of cohort, path, diagnoses)." };
        var output = new Argument<string>("OUTPUT_DIR") { Description = "Results folder (never deleted; fold folders holding results are refused without --overwrite)." };
        var model = OptionFactory.ChoiceArgument("MODEL", mode.ModelHelp, [.. mode.Defaults.Models]);

        // Computational resources
        var useCpu = OptionFactory.Flag("--use_cpu", "Run on the CPU (default: GPU).", "-cpu");
        var nproc = OptionFactory.Int("--nproc", "Images decoded in parallel into the cache.", 2, 1, "-np");
        var batchSize = OptionFactory.Int("--batch_size", "Mini-batch size.", 2, 1);
        var evaluationSteps = OptionFactory.Int("--evaluation_steps", "Evaluate every this many batches during an epoch (0: at epoch ends only).", 0, 0, "-esteps");
        var threads = OptionFactory.OptionalInt("--threads", "LibTorch intra-op threads (default: all cores).", 1);
        var evalBatch = OptionFactory.OptionalInt("--eval_batch_size", "Batch size of evaluation passes (default: --batch_size).", 1);
        var cacheMemory = OptionFactory.Bytes("--cache_memory", CacheMemoryHelp);
        var amp = OptionFactory.Flag("--amp", "bfloat16 mixed precision (float32 master weights, BatchNorm and loss); faster only on GPUs and on CPUs with AVX512-BF16 or AMX.");
        // Data management
        var multiCohort = OptionFactory.Flag("--multi_cohort", "CAPS_DIR and TSV_PATH are TSV files listing cohorts.");
        var diagnoses = OptionFactory.Choices("--diagnoses", "Diagnoses used (label files read).", ["AD", "CN"], [.. Diagnosis.Names], "-d");
        var baseline = OptionFactory.Flag("--baseline", "Train on <DIAG>_baseline.tsv (baseline sessions) only.");
        var unnormalize = OptionFactory.Flag("--unnormalize", mode.Defaults is SliceOptions
            ? "Refused in slice mode: slices are quantised to 8 bits after min-max normalisation."
            : $"Disable per-{mode.Defaults.Name} min-max normalisation.", "-un");
        var augmentation = OptionFactory.Choices("--data_augmentation", "Training transforms, applied in the given order.", null, ["None", "Noise", "Erasing", "CropPad", "Smoothing"]);
        var sampler = OptionFactory.Choice("--sampler", "Training sampler.", "random", ["random", "weighted"], "-s");
        // Cross-validation
        var nSplits = OptionFactory.OptionalInt("--n_splits", "Read train_splits-<n>/validation_splits-<n> (default: train/ and validation/).", 2);
        var split = OptionFactory.IntList("--split", "Folds to train (default: all).", 0);
        // Optimisation
        var epochs = OptionFactory.Int("--epochs", "Maximum number of epochs.", 20, 1);
        var lr = OptionFactory.Double("--learning_rate", "Adam learning rate.", 1e-4, 0, minExclusive: true, aliases: "-lr");
        var wd = OptionFactory.Double("--weight_decay", "Adam weight decay.", 1e-4, 0, aliases: "-wd");
        var dropout = OptionFactory.Double("--dropout", mode.DropoutHelp, 0, 0, 1, maxExclusive: true);
        var patience = OptionFactory.Int("--patience", "Early stopping: epochs without improvement (0: never stop).", 0, 0);
        var tolerance = OptionFactory.Double("--tolerance", "Early stopping: relative improvement required.", 0, 0);
        var accumulation = OptionFactory.Int("--accumulation_steps", "Gradient accumulation: batches per update.", 1, 1, "-asteps");
        // Transfer learning
        var transferPath = OptionFactory.Text("--transfer_learning_path", "Results folder of an earlier train to start from.", helpName: "DIR");
        var transferSelection = OptionFactory.Choice("--transfer_learning_selection", "Which best model of a CNN source is loaded.", "best_balanced_accuracy", ["best_loss", "best_balanced_accuracy"]);
        // Network-specific
        var threshold = OptionFactory.Double("--selection_threshold", $"Soft voting: {mode.Defaults.Name} elements with validation balanced accuracy ≤ this get no weight.", 0, 0, 1);
        var visualization = OptionFactory.Flag("--visualization", "Write input and reconstruction NIfTI pairs after training.");
        // Ours
        var seed = OptionFactory.Int("--seed", "Seed of initialisation, shuffling, sampling and augmentation.", 0, int.MinValue);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace the results of the folds being trained.");

        var cmd = new Command(kind.Name, mode.Help[kind])
        {
            caps, preprocessing, tsv, output, model,
            useCpu, nproc, batchSize, evaluationSteps, threads, evalBatch, cacheMemory, amp,
            multiCohort, diagnoses, baseline, unnormalize, augmentation, sampler,
            nSplits, split,
            epochs, lr, wd, dropout, patience, tolerance, accumulation,
        };
        var readMode = mode.AddOptions(cmd);
        cmd.Options.Add(transferPath);
        if (kind.TakesSelection) cmd.Options.Add(transferSelection);
        if (kind.TakesSelection && mode.Defaults.HasSelectionThreshold) cmd.Options.Add(threshold);
        if (kind.TakesVisualization && mode.Defaults.HasVisualization) cmd.Options.Add(visualization);
        cmd.Options.Add(seed);
        cmd.Options.Add(overwrite);

        cmd.SetAction(r =>
        {
            var aug = r.GetValue(augmentation);
            var splits = r.GetValue(split);
            var options = new TrainOptions(
                kind, r.GetValue(caps)!, r.GetValue(preprocessing)!, r.GetValue(tsv)!, r.GetValue(output)!, r.GetValue(model)!,
                new ComputationalOptions(r.GetValue(useCpu), r.GetValue(nproc), r.GetValue(batchSize), r.GetValue(evaluationSteps),
                    r.GetValue(threads), r.GetValue(evalBatch), r.GetValue(cacheMemory), r.GetValue(amp)),
                new DataOptions(r.GetValue(multiCohort), r.GetValue(diagnoses)!, r.GetValue(baseline), r.GetValue(unnormalize),
                    aug is { Length: > 0 } ? aug.Select(a => Enum.Parse<AugmentationKind>(a)).ToList() : null,
                    r.GetValue(sampler) == "weighted" ? SamplerKind.Weighted : SamplerKind.Random),
                new CrossValidationOptions(r.GetValue(nSplits), splits is { Length: > 0 } ? splits : null),
                new OptimizationOptions(r.GetValue(epochs), r.GetValue(lr), r.GetValue(wd), r.GetValue(dropout),
                    r.GetValue(patience), r.GetValue(tolerance), r.GetValue(accumulation)),
                readMode(r),
                new TransferOptions(r.GetValue(transferPath), kind.FixedSelection ?? r.GetValue(transferSelection)!),
                kind.TakesSelection && mode.Defaults.HasSelectionThreshold ? r.GetValue(threshold) : 0,
                kind.TakesVisualization && mode.Defaults.HasVisualization && r.GetValue(visualization),
                r.GetValue(seed),
                r.GetValue(overwrite),
                r.GetValue(logname) ?? "clinicaDL.log");
            var renderer = context.Renderer();
            var summary = RunInterruptible(context, options.OutputDir, () => renderer.Run(() => new TrainingRun(options, renderer).Execute(context.Cancel)));
            TrainSummaryPrinter.Print(context, summary);
            return CliApp.Success;
        });
        return cmd;
    }
}
