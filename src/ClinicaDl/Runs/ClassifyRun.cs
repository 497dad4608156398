using System.Globalization;
using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Runs;
using ClinicaDl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Runs;

/// <summary>Options of <c>clinicadl classify CAPS_DIR TSV_PATH MODEL_PATH PREFIX</c> (spec §7.10).</summary>
/// <param name="CapsDir">CAPS of the sessions to classify (a TSV of cohorts with <c>--multi_cohort</c>).</param>
/// <param name="TsvPath">A TSV of sessions (diagnosis optional), or a folder of <c>&lt;DIAG&gt;_baseline.tsv</c> files.</param>
/// <param name="ModelPath">A results folder of <c>train roi cnn</c> or <c>multicnn</c>, or of <c>train image cnn</c>.</param>
/// <param name="Prefix">Output file prefix: <c>&lt;prefix&gt;_{roi,image}_level_{prediction,metrics}.tsv</c>.</param>
/// <param name="UseCpu"><c>-cpu/--use_cpu</c>.</param>
/// <param name="NProc"><c>-np/--nproc</c>.</param>
/// <param name="BatchSize"><c>--batch_size</c> (default: the training's evaluation batch size, so results match training's exactly).</param>
/// <param name="Threads"><c>--threads</c>.</param>
/// <param name="MultiCohort"><c>--multi_cohort</c>.</param>
/// <param name="Diagnoses"><c>--diagnoses</c> read from a TSV_PATH folder (default: the training's).</param>
/// <param name="SkipLeakCheck"><c>--skip_leak_check</c>.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace earlier results with this prefix.</param>
public sealed record ClassifyOptions(string CapsDir, string TsvPath, string ModelPath, string Prefix,
    bool UseCpu = false, int NProc = 2, int? BatchSize = null, int? Threads = null, bool MultiCohort = false,
    IReadOnlyList<string>? Diagnoses = null, bool SkipLeakCheck = false, bool Overwrite = false);

/// <summary>Applies every fold's best models (both selections) of a cnn or multicnn results folder to new sessions.</summary>
/// <remarks>
/// Results go beside the training files, under <c>fold-i/cnn_classification/&lt;selection&gt;/&lt;prefix&gt;_*.tsv</c>.
/// Image-level soft voting uses the weights of the fold's validation results (decision 2) and the training's
/// <c>--selection_threshold</c>. Sessions whose subject was in a fold's training set are refused (data leakage)
/// unless <c>--skip_leak_check</c>. Without a diagnosis column only prediction files are written.
/// </remarks>
public sealed class ClassifyRun(ClassifyOptions options, ITrainingObserver? observer = null)
{
    private readonly ITrainingObserver observer = observer ?? NullTrainingObserver.Instance;

    /// <summary>What validation found: the model's record, its folds, the sessions to classify and how they are cut.</summary>
    private sealed record ClassifyPlan(TrainOptions Model, ResultsTree Tree, IReadOnlyList<int> Folds, IReadOnlyList<Cohort> Cohorts,
        IReadOnlyList<Session> Sessions, bool Labelled, IElementSet Elements);

    /// <summary>Validates, then classifies; returns the image-level metrics per fold and selection (empty without labels).</summary>
    public IReadOnlyList<SelectionSummary> Execute(CancellationToken cancel = default)
    {
        var plan = Validate();
        try
        {
            return Classify(plan, cancel);
        }
        catch (ClinicaDlException e) when (e.IsInputError)
        {
            // Found once images are decoded: results may already be written, so this is a failed run (exit 1).
            throw new TrainingFailedException($"{e.Message} (found while classifying; files written so far are kept).", e);
        }
    }

    /// <summary>Every check that needs no image: options, the model folder, the sessions, the leak check, the outputs and the models' weights.</summary>
    private ClassifyPlan Validate()
    {
        var o = options;
        if (!BidsLabel.IsLabel(o.Prefix.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal)) || o.Prefix is "train" or "validation")
            throw new InvalidOptionException("PREFIX", "a name of letters, digits, '-' and '_' other than train and validation", o.Prefix);
        Guard.Positive("-np/--nproc", o.NProc);
        if (o.BatchSize is int b) Guard.Positive("--batch_size", b);
        if (o.Threads is int t) Guard.Positive("--threads", t);
        if (!o.UseCpu && !cuda.is_available())
            throw new InvalidOptionException("-cpu/--use_cpu", "no GPU is available. Please add the -cpu flag to run on CPU");
        var (model, tree, folds) = ReadModel();
        var cohorts = Cohort.Resolve(o.CapsDir, o.TsvPath, o.MultiCohort, requireDiagnoses: false);
        foreach (var cohort in cohorts) RunPlanner.CheckCaps(cohort.CapsRoot, o.MultiCohort ? cohort.Name : null);
        var sessions = ReadAllSessions(cohorts, o.Diagnoses ?? model.Data.Diagnoses);
        var here = model with { Data = model.Data with { MultiCohort = o.MultiCohort } };
        var elements = here.Mode.Elements(here, cohorts, sessions);
        if (!o.SkipLeakCheck)
            foreach (int fold in folds) CheckLeak(tree, model, fold, sessions);
        foreach (int fold in folds)
            foreach (string selection in ResultsTree.Selections)
            {
                string weightsFile = tree.Table(fold, selection, "validation", elements.Level, "prediction");
                if (!elements.IsWholeImage() && !File.Exists(weightsFile))
                    throw new CheckpointException(weightsFile, $"not found: classify weighs the {elements.Noun}s with the validation results of training.");
                string output = tree.Table(fold, selection, o.Prefix, "image", "prediction");
                if (!o.Overwrite && File.Exists(output))
                    throw new OutputFolderException(output, "already exists.", "Choose another PREFIX or add --overwrite.");
                CheckModels(tree, model, fold, selection, elements);
            }
        return new ClassifyPlan(model, tree, folds, cohorts, sessions, sessions.All(s => s.Label >= 0), elements);
    }

    /// <summary>The model folder's record and the folds that hold every selection's best models.</summary>
    private (TrainOptions Model, ResultsTree Tree, List<int> Folds) ReadModel()
    {
        var o = options;
        if (!Directory.Exists(o.ModelPath))
            throw new InvalidOptionException("MODEL_PATH", "a results folder of clinicadl train roi cnn or multicnn, or train image cnn", o.ModelPath);
        var model = CommandLineRecord.Read(Path.Combine(o.ModelPath, "commandline.json"), o.ModelPath);
        if (model.NetworkKind.ClassifyRefusal is string refusal)
            throw new InvalidOptionException("MODEL_PATH", refusal, o.ModelPath);
        var tree = new ResultsTree(o.ModelPath);
        var folds = Directory.GetDirectories(o.ModelPath, "fold-*")
            .Select(d => int.TryParse(Path.GetFileName(d)["fold-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int f) ? f : -1)
            .Where(f => f >= 0 && ResultsTree.Selections.All(s => HasModels(tree, f, s, model)))
            .Order().ToList();
        if (folds.Count == 0)
            throw new InvalidOptionException("MODEL_PATH", "a results folder holding fold-<i>/models/<selection>/model_best.pth.tar", o.ModelPath);
        return (model, tree, folds);
    }

    /// <summary>The sessions of every cohort with the given diagnoses; none, or one listed twice, is refused.</summary>
    private List<Session> ReadAllSessions(IReadOnlyList<Cohort> cohorts, IReadOnlyList<string> diagnoses)
    {
        var sessions = cohorts.SelectMany(c => ReadSessions(c, diagnoses)).ToList();
        if (sessions.Count == 0)
            throw new TsvFormatException(options.TsvPath, null, "lists no session.");
        var duplicate = sessions.GroupBy(s => (s.Cohort, s.ParticipantId, s.SessionId)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new TsvFormatException(options.TsvPath, null, $"session {duplicate.First().Key} is listed twice.");
        return sessions;
    }

    /// <summary>Decodes the sessions into the cache and writes every fold's and selection's tables.</summary>
    private List<SelectionSummary> Classify(ClassifyPlan plan, CancellationToken cancel)
    {
        var o = options;
        var (model, tree, sessions, elements) = (plan.Model, plan.Tree, plan.Sessions, plan.Elements);
        TorchThreads.Use(o.Threads ?? Environment.ProcessorCount);
        LibTorchAllocator.ZeroFill(); // oneDNN reads the padding of its blocked buffers: it must hold zeros, not a freed NaN
        var device = o.UseCpu ? CPU : CUDA;
        int batch = o.BatchSize ?? model.EvalBatchSize;
        using var cache = new PatchCache(sessions, elements, new PatchCacheOptions(o.NProc, PatchCacheOptions.DefaultMemoryBudget, Path.Combine(o.ModelPath, ".scratch")));
        cache.SessionCached += _ => observer.ImageCached(cache.CachedCount, sessions.Count);
        cache.Start(Enumerable.Range(0, sessions.Count));
        var indices = Enumerable.Range(0, sessions.Count).ToList();
        var parts = model.NetworkKind.NetworkIds(elements.Count)
            .Select(k => new EvaluationPart(k, RunPlan.ElementsOf(sessions, indices, elements.Count, k))).ToList();

        var summaries = new List<SelectionSummary>();
        var evaluator = new FoldEvaluator(tree, cache, batch, o.MultiCohort, model.SelectionThreshold, observer);
        foreach (int fold in plan.Folds)
            foreach (string selection in ResultsTree.Selections)
            {
                var results = evaluator.Evaluate(fold, selection, parts, () => CreateTask(model, elements.Shape(0), device), cancel);
                // Whole images are not voted: no weights to read.
                IReadOnlyList<RoiPrediction> validation = elements.IsWholeImage() ? [] : ReadPredictions(tree.Table(fold, selection, "validation", elements.Level, "prediction"), elements.Level);
                var image = evaluator.Write(fold, selection, o.Prefix, results, evaluator.Weights(fold, selection, validation), plan.Labelled);
                if (image is not null)
                {
                    var rows = results.SelectMany(r => r.Result.Rows).ToList();
                    summaries.Add(new SelectionSummary(fold, selection,
                        BinaryMetrics.From(rows.Select(r => r.TrueLabel).ToList(), rows.Select(r => r.PredictedLabel).ToList()), image));
                }
                observer.Message(MessageLevel.Info, $"fold {fold}, {selection}: {tree.Table(fold, selection, o.Prefix, "image", "prediction")}");
            }
        return summaries;
    }

    /// <summary>Every best model of a fold and selection must load into the network before any table is written.</summary>
    private static void CheckModels(ResultsTree tree, TrainOptions model, int fold, string selection, IElementSet elements)
    {
        foreach (int? network in model.NetworkKind.NetworkIds(elements.Count))
        {
            string path = tree.BestModel(fold, network, selection);
            if (!File.Exists(path))
                throw new CheckpointException(path, "not found: every network of a fold needs its best model.");
            using var scope = NewDisposeScope();
            using var probe = NetworkFactory.Create(model, elements.Shape(0));
            var checkpoint = PyTorchFile.LoadCheckpoint(path);
            ModelState.LoadStrict(probe, ModelState.FromEntry(checkpoint.GetValueOrDefault("model"), path, "model"), path);
        }
    }

    private static bool HasModels(ResultsTree tree, int fold, string selection, TrainOptions model)
        => File.Exists(tree.BestModel(fold, model.NetworkKind.FirstNetwork, selection));

    private static ITrainingTask CreateTask(TrainOptions model, IReadOnlyList<int> elementShape, Device device)
    {
        var network = NetworkFactory.Create(model, elementShape);
        network.to(device);
        return ClassificationTask.For(network, device); // VConv5_FC3: its metrics' total_kl_loss is the pass's KL term
    }

    /// <summary>The sessions of a cohort: its TSV file, or the <c>&lt;DIAG&gt;_baseline.tsv</c> files of its folder.</summary>
    private static IEnumerable<Session> ReadSessions(Cohort cohort, IReadOnlyList<string> diagnoses)
    {
        if (File.Exists(cohort.TsvPath))
            return LabelFile.Read(cohort.TsvPath, cohort.Name, cohort.CapsRoot, requireDiagnosis: false);
        if (!Directory.Exists(cohort.TsvPath))
            throw new TsvFormatException(cohort.TsvPath, null, "not found; expected a TSV of sessions or a folder of <DIAG>_baseline.tsv files.");
        var wanted = cohort.Diagnoses is null ? diagnoses : diagnoses.Where(d => cohort.Diagnoses.Contains(d)).ToList();
        return wanted.SelectMany(d =>
        {
            string file = Path.Combine(cohort.TsvPath, d + "_baseline.tsv");
            if (!File.Exists(file))
                throw new TsvFormatException(file, null, "label file not found (classify reads <DIAG>_baseline.tsv for each diagnosis of the training).");
            return LabelFile.Read(file, cohort.Name, cohort.CapsRoot);
        }).ToList();
    }

    /// <summary>Refuses sessions whose subject trained fold <paramref name="fold"/>.</summary>
    /// <remarks>The training sessions come from <c>fold-i/split.tsv</c>, or, for folders written by ClinicaDL 0.2.1, from the label tree
    /// recorded in commandline.json when it can still be read.</remarks>
    private static void CheckLeak(ResultsTree tree, TrainOptions model, int fold, IReadOnlyList<Session> sessions)
    {
        string split = tree.SplitTsv(fold);
        HashSet<string> trained;
        if (File.Exists(split))
        {
            var table = TsvTable.Read(split);
            int pi = table.IndexOf(ResultTables.ParticipantId), si = table.IndexOf(ResultTables.Subset);
            trained = table.Rows.Where(r => r[si] == "train").Select(r => r[pi]).ToHashSet(StringComparer.Ordinal);
        }
        else
        {
            try
            {
                var cohorts = Cohort.Resolve(model.CapsDir, model.TsvPath, model.Data.MultiCohort);
                var recorded = LabelTree.Read(cohorts, model.Data.Diagnoses, model.Data.Baseline, model.CrossValidation.NSplits, fold);
                trained = recorded.Train.Select(s => s.ParticipantId).ToHashSet(StringComparer.Ordinal);
            }
            catch (ClinicaDlException e)
            {
                throw new CheckpointException(split, $"not found, and the training's label tree cannot be read ({e.Message}), so data leakage cannot be checked.",
                    e);
            }
        }
        var leaks = sessions.Where(s => trained.Contains(s.ParticipantId)).Select(s => s.Key).ToList();
        if (leaks.Count > 0)
            throw new DataLeakageException(split, leaks, $"Their subjects trained fold {fold}; add --skip_leak_check to classify them anyway.");
    }

    internal static IReadOnlyList<RoiPrediction> ReadPredictions(string path, string level = "roi")
    {
        var table = TsvTable.Read(path);
        int p = table.IndexOf(ResultTables.ParticipantId), s = table.IndexOf(ResultTables.SessionId), roi = table.IndexOf(ResultTables.IdColumn(level)),
            t = table.IndexOf(ResultTables.TrueLabel), pred = table.IndexOf(ResultTables.PredictedLabel),
            p0 = table.IndexOf(ResultTables.Proba0), p1 = table.IndexOf(ResultTables.Proba1);
        return table.Rows.Select(r => new RoiPrediction(r[p], r[s], int.Parse(r[roi], CultureInfo.InvariantCulture),
            int.Parse(r[t], CultureInfo.InvariantCulture), int.Parse(r[pred], CultureInfo.InvariantCulture),
            float.Parse(r[p0], CultureInfo.InvariantCulture), float.Parse(r[p1], CultureInfo.InvariantCulture), Session.SingleCohort)).ToList();
    }
}
