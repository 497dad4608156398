using ClinicaDl.Elements;
using ClinicaDl.Data;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Outputs.Plots;
using ClinicaDl.Runs;
using ClinicaDl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Runs;

/// <summary>Runs <c>clinicadl train &lt;mode&gt; {cnn,multicnn,autoencoder}</c>: validate, write the run files, cache the elements, train each fold, evaluate.</summary>
/// <remarks>
/// Data flow (DESIGN.md): options → validation of everything (<see cref="RunPlanner"/>) → per fold: sessions → patch
/// cache (each image read once per run, shared by all folds) → sampler + prefetched batches → trainer → evaluator → writers.
/// </remarks>
public sealed class TrainingRun
{
    private readonly TrainOptions options;
    private readonly ITrainingObserver observer;
    private readonly TimeProvider time;

    /// <summary>Creates the run; nothing is checked or written until <see cref="Execute"/>.</summary>
    public TrainingRun(TrainOptions options, ITrainingObserver? observer = null, TimeProvider? time = null)
    {
        this.options = options;
        this.observer = observer ?? NullTrainingObserver.Instance;
        this.time = time ?? TimeProvider.System;
        Precision = PrecisionMode.For(options.Computational.Amp, options.Computational.UseCpu);
    }

    /// <summary>The spatial shape of the elements (the first element's; a RandomArchitecture is built for it).</summary>
    private IReadOnlyList<int> elementShape = [];

    /// <summary>The weights each network trained from scratch starts from (read once per run), or null.</summary>
    private Networks.IInitialWeights? initialWeights;

    /// <summary>The arithmetic of this run (<c>--amp</c>), decided once.</summary>
    private PrecisionMode Precision { get; }

    /// <summary>Validates everything, then trains every fold.</summary>
    /// <exception cref="Errors.ClinicaDlException">Bad input (before anything is written) or a failed run.</exception>
    /// <exception cref="OperationCanceledException">The run was interrupted through <paramref name="cancel"/>.</exception>
    public RunSummary Execute(CancellationToken cancel = default)
    {
        var plan = RunPlanner.Plan(options);
        var tree = plan.Tree;
        int threads = options.Computational.Threads ?? Environment.ProcessorCount;
        Directory.CreateDirectory(tree.Root);
        using var locks = FoldLock.Acquire(tree, plan.Folds.Select(f => f.Fold));
        foreach (var fold in plan.Folds)
        {
            string dir = tree.Fold(fold.Fold);
            if (options.Overwrite && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            // Another job may have trained this fold between the checks and the lock.
            else if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                throw new Errors.OutputFolderException(dir, "already holds results (another job trained this fold meanwhile).",
                    "Use `clinicadl train resume` to continue it, or choose another OUTPUT_DIR.");
        }
        // Separate jobs training other folds into this OUTPUT_DIR may have written these already (RunPlanner checked they agree).
        WriteOnce(tree.CommandLineJson, CommandLineRecord.ToJson(options), replace: options.Overwrite);
        WriteOnce(tree.EnvironmentTxt, EnvironmentReport.Describe(options.Computational.UseCpu, Precision.Description, threads)
            + string.Concat(options.Mode.EnvironmentNotes(options).Select(note => note + "\n")), replace: options.Overwrite);
        return Run(plan, threads, resume: false, cancel);
    }

    /// <summary>Continues every unfinished fold of <paramref name="outputDir"/> from its last checkpoint; finished folds are left alone.</summary>
    /// <param name="outputDir">A results folder of <c>clinicadl train roi</c>.</param>
    /// <param name="splits">Folds to resume, or null for every fold recorded or present.</param>
    /// <param name="observer">Progress receiver.</param>
    /// <param name="time">Clock.</param>
    /// <param name="cancel">Interrupt.</param>
    /// <exception cref="Errors.ClinicaDlException">The folder is not a results folder, or its inputs changed.</exception>
    public static RunSummary Resume(string outputDir, IReadOnlyList<int>? splits, ITrainingObserver? observer = null, TimeProvider? time = null, CancellationToken cancel = default)
    {
        var tree = new ResultsTree(outputDir);
        if (!File.Exists(tree.CommandLineJson))
            throw new Errors.OutputFolderException(outputDir, "holds no commandline.json: it is not a results folder of clinicadl train.");
        var recorded = CommandLineRecord.Read(tree.CommandLineJson, outputDir).Rebased();
        var present = Directory.GetDirectories(outputDir, "fold-*")
            .Select(d => int.TryParse(Path.GetFileName(d)["fold-".Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int f) ? f : -1)
            .Where(f => f >= 0);
        var folds = (splits is { Count: > 0 } ? splits : recorded.CrossValidation.Folds.Concat(present)).Distinct().Order().ToList();
        var options = recorded with { CrossValidation = recorded.CrossValidation with { Split = folds }, Overwrite = false };
        var run = new TrainingRun(options, observer, time);
        var plan = RunPlanner.Plan(options, resuming: true);
        using var locks = FoldLock.Acquire(tree, plan.Folds.Select(f => f.Fold));
        foreach (var fold in plan.Folds) CheckSameSessions(plan, fold);
        return run.Run(plan, options.Computational.Threads ?? Environment.ProcessorCount, resume: true, cancel);
    }


    private RunSummary Run(RunPlan plan, int threads, bool resume, CancellationToken cancel)
    {
        using var initial = plan.InitialWeights;
        initialWeights = initial;
        try
        {
            return Train(plan, threads, resume, cancel);
        }
        catch (Errors.ClinicaDlException e) when (e.IsInputError)
        {
            // An input problem found only once images are decoded (a corrupt body behind a valid header): the run has
            // started writing, so it is a failed run (exit 1), not a refused one (exit 2 promises nothing was changed).
            throw new Errors.TrainingFailedException($"{e.Message} (found while training; the results written so far are kept in {plan.Tree.Root}).", e);
        }
    }

    private RunSummary Train(RunPlan plan, int threads, bool resume, CancellationToken cancel)
    {
        elementShape = plan.Elements.Shape(0);
        TorchThreads.Use(threads);
        LibTorchAllocator.ZeroFill(); // oneDNN reads the padding of its blocked buffers: it must hold zeros, not a freed NaN
        var device = options.Computational.UseCpu ? CPU : CUDA;
        var tree = plan.Tree;
        var precision = Precision;
        if (precision.Warning is not null) observer.Message(MessageLevel.Warning, precision.Warning);
        observer.Message(MessageLevel.Info, $"precision: {precision.Description}.");
        foreach (string warning in options.Mode.Warnings(options)) observer.Message(MessageLevel.Warning, warning);
        observer.Message(MessageLevel.Info, $"{plan.Sessions.Count} sessions, {plan.Elements.Describe()}, folds {string.Join(", ", plan.Folds.Select(f => f.Fold))}.");

        var cacheOptions = new PatchCacheOptions(options.Computational.NProc,
            options.Computational.CacheMemoryBytes ?? PatchCacheOptions.DefaultMemoryBudget, tree.Scratch);
        using var cache = new PatchCache(plan.Sessions, plan.Elements, cacheOptions);
        cache.SessionCached += _ => observer.ImageCached(cache.CachedCount, plan.Sessions.Count);
        // Decode in the order the first network needs the images: its first epoch's order.
        cache.Start(FirstNeeds(plan, Networks(plan, plan.Folds[0])[0]));

        var summaries = new List<SelectionSummary>();
        var aeLosses = new Dictionary<int, double>();
        bool warnedConstant = false;
        int trained = 0;
        foreach (var fold in plan.Folds)
        {
            var networks = Networks(plan, fold);
            if (resume && FoldFinished(tree, fold.Fold, networks))
            {
                observer.Message(MessageLevel.Warning, $"fold {fold.Fold}: finished earlier; left alone.");
                continue;
            }
            trained++;
            ResultTables.WriteSplit(tree.SplitTsv(fold.Fold), fold.Train.Select(i => plan.Sessions[i]), fold.Valid.Select(i => plan.Sessions[i]));
            foreach (var network in networks)
            {
                if (resume && NetworkFinished(tree, network.Id)) continue;
                var task = CreateTask(device, Common.Seeds.TorchSeed(options.Seed, "init", fold.Fold, network.Id.Network ?? -1));
                initialWeights?.LoadInto(task.Model);
                plan.Transfer?.Apply(task.Model, fold.Fold, network.Id.Network);
                observer.Message(MessageLevel.Info, plan.Transfer is null
                    ? $"{network.Id}: the model is trained from scratch."
                    : $"{network.Id}: the model starts from {plan.Transfer.SourceFile(fold.Fold, network.Id.Network)}.");
                var trainer = new NetworkTrainer(options, tree, cache, task, device, observer, time, (id, classification, now, resumed) =>
                [
                    new TrainingLog(tree.TrainingTsv(id.Fold, id.Network), tree.TensorBoard(id.Fold, id.Network), classification, now,
                        (resumed?.LogRows ?? 0, resumed?.LastTensorBoardStep ?? long.MinValue), task.Variational),
                    new CheckpointStore(tree, options.Optimization, classification),
                ]);
                trainer.Train(network, cancel, resume);
                task.Model.Dispose();
                if (!warnedConstant && cache.ConstantPatches > 0)
                {
                    warnedConstant = true;
                    observer.Message(MessageLevel.Warning, $"{cache.ConstantPatches} cached element(s) at {plan.Elements.Noun} level were constant; min-max normalisation set them to zeros.");
                }
            }
            if (!options.NetworkKind.Reconstructs)
            {
                var evaluator = new FoldEvaluator(tree, cache, options.EvalBatchSize, options.Data.MultiCohort, options.SelectionThreshold, observer);
                summaries.AddRange(evaluator.EvaluateTraining(fold.Fold, networks, () => CreateTask(device, seed: null), cancel));
            }
            else
            {
                aeLosses[fold.Fold] = BestValidationLoss(fold.Fold);
                if (options.Visualization)
                    new ReconstructionWriter(tree, cache).Write(fold.Fold, networks[0], (ReconstructionTask)CreateTask(device, seed: null), cancel);
            }
            DrawPlots($"fold {fold.Fold}", tree.Root, () => TrainingPlots.DrawFold(tree.Fold(fold.Fold)));
        }
        // Over every fold-* present, so folds trained by separate jobs into one OUTPUT_DIR (decision 4) all appear.
        if (trained > 0)
            DrawPlots("the summary", tree.Root, () => TrainingPlots.DrawSummary(tree.Root) is string summary ? [summary] : []);
        return new RunSummary(tree.Root, plan.Folds.Select(f => f.Fold).ToList(), summaries, aeLosses, plan.Elements.Noun);
    }

    /// <summary>On resume, the label files must still give the sessions the fold started with (its split.tsv).</summary>
    private static void CheckSameSessions(RunPlan plan, FoldPlan fold)
    {
        string path = plan.Tree.SplitTsv(fold.Fold);
        if (!File.Exists(path)) return;
        var table = TsvTable.Read(path);
        int p = table.IndexOf(ResultTables.ParticipantId), s = table.IndexOf(ResultTables.SessionId),
            c = table.IndexOf(ResultTables.CohortColumn), subset = table.IndexOf(ResultTables.Subset);
        var recorded = table.Rows.Select(r => $"{r[c]}/{r[p]}/{r[s]}/{r[subset]}").Order(StringComparer.Ordinal);
        var now = fold.Train.Select(i => (plan.Sessions[i], "train")).Concat(fold.Valid.Select(i => (plan.Sessions[i], "validation")))
            .Select(x => $"{x.Item1.Cohort}/{x.Item1.ParticipantId}/{x.Item1.SessionId}/{x.Item2}").Order(StringComparer.Ordinal);
        if (!recorded.SequenceEqual(now))
            throw new Errors.OutputFolderException(path, "lists other sessions than the label files now give: the labels changed since this fold started.",
                "Restore the label files, or train the fold again with --overwrite.");
    }

    /// <summary>A network finished training: its best model exists and its checkpoint was removed at the end of the loop.</summary>
    private static bool NetworkFinished(ResultsTree tree, NetworkId id)
        => File.Exists(tree.BestModel(id.Fold, id.Network, "best_loss")) && !File.Exists(tree.Checkpoint(id.Fold, id.Network));

    /// <summary>A fold finished: every network finished and the last file of its final evaluation exists.</summary>
    private bool FoldFinished(ResultsTree tree, int fold, IReadOnlyList<NetworkPlan> networks)
    {
        if (!networks.All(n => NetworkFinished(tree, n.Id))) return false;
        if (options.NetworkKind.Reconstructs)
            return !options.Visualization || File.Exists(Path.Combine(tree.Reconstruction(fold, "train"), "output-0.nii.gz"));
        return File.Exists(tree.Table(fold, "best_loss", "validation", "image", "metrics"));
    }

    /// <summary>Writes a run file unless another job wrote it first (or replaces it when asked).</summary>
    private static void WriteOnce(string path, string text, bool replace)
    {
        if (replace || !File.Exists(path)) AtomicFile.WriteAllText(path, text);
    }

    /// <summary>Draws learning-curve plots; a plot that cannot be drawn is a warning, never a failed run (the results are in the TSV files).</summary>
    private void DrawPlots(string what, string outputDir, Func<IReadOnlyList<string>> draw)
    {
        try
        {
            foreach (string png in draw()) observer.Message(MessageLevel.Debug, $"Learning curves drawn: {png}");
        }
        catch (Exception e)
        {
            observer.Message(MessageLevel.Warning,
                $"The learning-curve plot of {what} could not be drawn ({e.GetType().Name}: {e.Message}); the training results are complete. Redraw with: clinicadl plot {outputDir}");
        }
    }

    private IReadOnlyList<NetworkPlan> Networks(RunPlan plan, FoldPlan fold)
    {
        return options.NetworkKind.NetworkIds(plan.Elements.Count)
            .Select(k => new NetworkPlan(new NetworkId(fold.Fold, k), plan.Samples(fold.Train, k), plan.Samples(fold.Valid, k)))
            .ToList();
    }

    /// <summary>Sessions in the order the first network's first epoch reads them, then its validation sessions.</summary>
    private IEnumerable<int> FirstNeeds(RunPlan plan, NetworkPlan first)
    {
        var order = new TrainSampler(first.Train, options.Data.Sampler)
            .NextEpoch(Common.Seeds.Stream(options.Seed, "sampler", first.Id.Fold, first.Id.Network ?? -1, 0));
        return order.Select(e => e.CacheIndex).Concat(first.Valid.Select(e => e.CacheIndex));
    }

    /// <summary>A fresh network and its task; with a seed, PyTorch's default initialisation is drawn from a generator of its own seeded with it (what constructing after <c>manual_seed</c> gives, whatever other threads draw).</summary>
    private ITrainingTask CreateTask(Device device, long? seed)
    {
        var model = NetworkFactory.Create(options, elementShape);
        if (seed is long s) Initialisation.Reset(model, s);
        model.to(device);
        return model is AutoEncoder ae ? new ReconstructionTask(ae, device, Precision) : ClassificationTask.For(model, device, Precision);
    }

    /// <summary>The best validation mean loss of the autoencoder of a fold, from its training.tsv.</summary>
    private double BestValidationLoss(int fold)
    {
        var table = TsvTable.Read(new ResultsTree(options.OutputDir).TrainingTsv(fold, null));
        int column = table.IndexOf(ResultTables.LossValid);
        return table.Rows.Select(r => double.Parse(r[column], System.Globalization.CultureInfo.InvariantCulture)).Min();
    }
}
