using System.Globalization;
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
using ClinicaDl.Runs.TsvTool;
using ClinicaDl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Runs.Interpret;

/// <summary>Runs <c>clinicadl interpret {group,individual}</c> (spec verbs §4): saliency maps of a trained CNN's best models.</summary>
/// <remarks>
/// For every fold (sorted, V30) and selection: the sessions of <c>&lt;diagnosis&gt;.tsv</c> (optionally only those the model
/// classifies rightly or wrongly, decided per image, V12), every element of each (the image, its ROIs or its patches), the
/// gradient of the target class's logit with respect to the normalised input (<see cref="Saliency"/>). <c>group</c> writes the
/// mean map over all elements (<c>map.nii.gz</c>, <c>map.npy</c>) and, with several elements per image, one mean map per
/// element (<c>map_roi-&lt;k&gt;.*</c>, <c>map_patch-&lt;k&gt;.*</c>, <c>map_slice-&lt;index&gt;.*</c>, V13); <c>individual</c> writes
/// one map per session (per session and element with several, V15). 2-D models (slices, shepplogan phantoms) get
/// <c>map.jpg</c> instead of <c>map.nii.gz</c> (<see cref="MapFiles"/>). <c>data.tsv</c> and <c>commandline.json</c> go into the
/// result folder (V11). multicnn and autoencoder models are refused (not interpreted by 0.2.1 either).
/// Everything is checked before anything is written.
/// </remarks>
public sealed class InterpretRun(InterpretOptions options, ITrainingObserver? observer = null)
{
    private readonly ITrainingObserver observer = observer ?? NullTrainingObserver.Instance;

    /// <summary>Validates, then writes the maps; returns what was written per fold and selection.</summary>
    /// <exception cref="ClinicaDlException">Bad input (nothing written, exit 2) or a failed run.</exception>
    public IReadOnlyList<InterpretResult> Execute(CancellationToken cancel = default)
    {
        var o = options;
        var plan = Plan(o);
        try
        {
            return Run(plan, cancel);
        }
        catch (ClinicaDlException e) when (e.IsInputError)
        {
            throw new TrainingFailedException($"{e.Message} (found while interpreting; files written so far are kept).", e);
        }
    }

    private sealed record InterpretPlan(TrainOptions Model, ResultsTree Tree, IReadOnlyList<int> Folds, IReadOnlyList<Session> Sessions,
        IElementSet Rois, int Target, Affine Affine, string TsvPath, string CapsDir, bool MultiCohort);

    private static InterpretPlan Plan(InterpretOptions o)
    {
        if (string.IsNullOrEmpty(o.Name) || o.Name is "." or ".." || o.Name.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new InvalidOptionException("NAME", "a folder name (no '/')", $"'{o.Name}'");
        Guard.Positive("--batch_size", o.BatchSize);
        Guard.Positive("-np/--nproc", o.NProc);
        if (o.Threads is int t) Guard.Positive("--threads", t);
        Guard.Positive("--vmax", o.VMax);
        foreach (string s in o.Selections)
            if (!ResultsTree.Selections.Contains(s))
                throw new InvalidOptionException("--selection", "best_loss or best_balanced_accuracy", s);
        if (o.Selections.Distinct().Count() != o.Selections.Count)
            throw new InvalidOptionException("--selection", "distinct selections", string.Join(" ", o.Selections));
        if (Diagnosis.Label(o.Diagnosis) is null)
            throw new InvalidOptionException("-d/--diagnosis", "one of " + string.Join(", ", Diagnosis.Names), o.Diagnosis);
        string targetName = o.TargetDiagnosis ?? o.Diagnosis;
        int target = Diagnosis.Label(targetName) ?? throw new InvalidOptionException("--target_diagnosis", "one of " + string.Join(", ", Diagnosis.Names), targetName);
        if (!o.UseCpu && !cuda.is_available())
            throw new InvalidOptionException("-cpu/--use_cpu", "no GPU is available. Please add the -cpu flag to run on CPU");
        if (!Directory.Exists(o.ModelPath))
            throw new InvalidOptionException("MODEL_PATH", "a results folder of clinicadl train <mode> cnn or random-search", o.ModelPath);
        var model = CommandLineRecord.Read(Path.Combine(o.ModelPath, "commandline.json"), o.ModelPath).Rebased();
        if (model.NetworkKind.InterpretRefusal is string refusal)
            throw new InvalidOptionException("MODEL_PATH", refusal, o.ModelPath);
        var tree = new ResultsTree(o.ModelPath);
        var folds = Directory.GetDirectories(o.ModelPath, "fold-*")
            .Select(d => int.TryParse(Path.GetFileName(d)["fold-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int f) ? f : -1)
            .Where(f => f >= 0).Order().ToList();
        if (folds.Count == 0)
            throw new InvalidOptionException("MODEL_PATH", "a results folder holding fold-<i>/ folders (none found)", o.ModelPath);
        foreach (int fold in folds)
            foreach (string selection in o.Selections)
                if (!File.Exists(tree.BestModel(fold, null, selection)))
                    throw new CheckpointException(tree.BestModel(fold, null, selection), $"not found: fold {fold} has no {selection} model to interpret.");

        bool given = o.TsvPath is not null || o.CapsDir is not null;
        bool multi = given ? o.MultiCohort : model.Data.MultiCohort;
        string tsv = o.TsvPath ?? model.TsvPath;
        string caps = o.CapsDir ?? model.CapsDir;
        var cohorts = Cohort.Resolve(caps, tsv, multi, requireDiagnoses: false);
        foreach (var cohort in cohorts) RunPlanner.CheckCaps(cohort.CapsRoot, multi ? cohort.Name : null);
        var sessions = cohorts.SelectMany(c => ReadSessions(c, o.Diagnosis, o.Baseline, multi)).ToList();
        var duplicate = sessions.GroupBy(s => (s.Cohort, s.ParticipantId, s.SessionId)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new TsvFormatException(tsv, null, $"session {duplicate.First().Key} is listed twice.");

        var here = model with { Data = model.Data with { MultiCohort = multi } };
        var rois = here.Mode.Elements(here, cohorts, sessions);
        if (rois.Shape(0).Length is not (2 or 3))
            throw new InvalidOptionException("MODEL_PATH", $"a results folder of a 2-D or 3-D model ({here.Mode.Name} models on {here.Preprocessing} have {rois.ShapeText(0)} inputs)", o.ModelPath);

        Affine affine = Affine.Identity;
        if (o.NiftiTemplatePath is string template)
        {
            if (!File.Exists(template))
                throw new InvalidOptionException("--nifti_template_path", "an existing NIfTI file", template);
            affine = NiftiReader.ReadHeader(template).Affine;
        }
        foreach (int fold in folds)
            foreach (string selection in o.Selections)
            {
                if (o.KeepTrue is not null && rois.Count > 1 && !File.Exists(tree.Table(fold, selection, "validation", rois.Level, "prediction")))
                    throw new CheckpointException(tree.Table(fold, selection, "validation", rois.Level, "prediction"),
                        "not found: --keep_true decides per image by soft voting, weighted by the training's validation results.");
                string dir = ResultFolder(tree, fold, selection, o.Name);
                if (File.Exists(dir))
                    throw new OutputFolderException(dir, "is a file; a folder was expected.");
                if (!o.Overwrite && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                    throw new OutputFolderException(dir, "already holds an interpretation.", "Choose another NAME or add --overwrite.");
            }
        return new InterpretPlan(model, tree, folds, sessions, rois, target, affine, tsv, caps, multi);
    }

    /// <summary><c>MODEL_PATH/fold-i/gradients/&lt;selection&gt;/&lt;NAME&gt;</c>.</summary>
    public static string ResultFolder(ResultsTree tree, int fold, string selection, string name) => Path.Combine(tree.Fold(fold), "gradients", selection, name);

    /// <summary>0.2.1's <c>load_data_test</c> for one diagnosis: a TSV file filtered on the diagnosis, or <c>&lt;diagnosis&gt;[_baseline].tsv</c> of a folder.</summary>
    private static IReadOnlyList<Session> ReadSessions(Cohort cohort, string diagnosis, bool baseline, bool multi)
    {
        if (cohort.Diagnoses is { } provided && !provided.Contains(diagnosis)) return [];
        if (File.Exists(cohort.TsvPath))
        {
            var table = TsvTable.Read(cohort.TsvPath);
            if (!multi && table.HasColumn("cohort") && table.HasColumn("path"))
                throw new InvalidOptionException("--tsv_path", "a label file; this TSV lists cohorts: add --multi_cohort", cohort.TsvPath);
            return LabelFile.FromTable(table, cohort.Name, cohort.CapsRoot).Where(s => s.Diagnosis == diagnosis).ToList();
        }
        if (!Directory.Exists(cohort.TsvPath))
            throw new TsvFormatException(cohort.TsvPath, null, "not found; expected a label folder (holding <DIAG>.tsv) or a TSV of sessions.");
        string file = Path.Combine(cohort.TsvPath, diagnosis + (baseline ? "_baseline.tsv" : ".tsv"));
        if (!File.Exists(file))
            throw new TsvFormatException(file, null, $"label file not found (interpret reads <DIAG>{(baseline ? "_baseline" : "")}.tsv of --diagnosis {diagnosis}).");
        return LabelFile.Read(file, cohort.Name, cohort.CapsRoot);
    }

    private List<InterpretResult> Run(InterpretPlan plan, CancellationToken cancel)
    {
        var o = options;
        var results = new List<InterpretResult>();
        if (plan.Sessions.Count == 0)
        {
            observer.Message(MessageLevel.Warning, "There are no subjects for the given options.");
            return results;
        }
        TorchThreads.Use(o.Threads ?? Environment.ProcessorCount);
        LibTorchAllocator.ZeroFill(); // oneDNN reads the padding of its blocked buffers: it must hold zeros, not freed garbage
        var device = o.UseCpu ? CPU : CUDA;
        var model = plan.Model;
        var rois = plan.Rois;
        using var cache = new PatchCache(plan.Sessions, rois,
            new PatchCacheOptions(o.NProc, PatchCacheOptions.DefaultMemoryBudget, Path.Combine(o.ModelPath, ".scratch")));
        cache.SessionCached += _ => observer.ImageCached(cache.CachedCount, plan.Sessions.Count);
        cache.Start(Enumerable.Range(0, plan.Sessions.Count));
        int[] shape = rois.Shape(0);

        foreach (int fold in plan.Folds)
            foreach (string selection in o.Selections)
            {
                string dir = ResultFolder(plan.Tree, fold, selection, o.Name);
                if (o.Overwrite && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                Directory.CreateDirectory(dir);
                AtomicFile.WriteAllText(Path.Combine(dir, "commandline.json"), PythonJson.Format(CommandLine(plan)) + "\n");
                using var network = NetworkFactory.Create(model, shape);
                network.to(device);
                string weights = plan.Tree.BestModel(fold, null, selection);
                using (NewDisposeScope())
                    ModelState.LoadStrict(network, ModelState.FromEntry(PyTorchFile.LoadCheckpoint(weights).GetValueOrDefault("model"), weights, "model"), weights);
                network.eval();

                var kept = Enumerable.Range(0, plan.Sessions.Count).ToList();
                if (o.KeepTrue is bool keep)
                    kept = Kept(plan, fold, selection, network, device, cache, keep, cancel);
                if (kept.Count == 0)
                {
                    observer.Message(MessageLevel.Warning, $"fold {fold}, {selection}: there are no subjects for the given options (--keep_true {o.KeepTrue}).");
                    results.Add(new InterpretResult(fold, selection, dir, 0));
                    continue;
                }
                TsvWriter.Write(Path.Combine(dir, "data.tsv"), ["participant_id", "session_id", "diagnosis", "cohort"],
                    kept.Select(i => plan.Sessions[i]).Select(s => (IReadOnlyList<object?>)[s.ParticipantId, s.SessionId, s.Diagnosis, s.Cohort]));
                WriteMaps(plan, dir, network, device, cache, RunPlan.ElementsOf(plan.Sessions, kept, rois.Count), cancel);
                results.Add(new InterpretResult(fold, selection, dir, kept.Count));
                observer.Message(MessageLevel.Info, $"fold {fold}, {selection}: {kept.Count} session(s) interpreted into {dir}");
            }
        return results;
    }

    /// <summary>The sessions the model classifies rightly (<paramref name="keep"/>) or wrongly, decided per image: the soft-voted
    /// image-level prediction with several ROIs (weights from the fold's validation results, as classify), the element's otherwise.</summary>
    private List<int> Kept(InterpretPlan plan, int fold, string selection, nn.Module<Tensor, Tensor> network, Device device, PatchCache cache, bool keep, CancellationToken cancel)
    {
        var all = Enumerable.Range(0, plan.Sessions.Count).ToList();
        var task = new ClassificationTask(network, device);
        var rows = task.Evaluate(cache, RunPlan.ElementsOf(plan.Sessions, all, plan.Rois.Count), options.BatchSize, cancel).Rows;
        IEnumerable<(string, string, string, bool)> correct;
        if (plan.Rois.Count == 1)
            correct = rows.Select(r => (r.Cohort, r.ParticipantId, r.SessionId, r.TrueLabel == r.PredictedLabel));
        else
        {
            var validation = ClassifyRun.ReadPredictions(plan.Tree.Table(fold, selection, "validation", plan.Rois.Level, "prediction"), plan.Rois.Level);
            var weights = SoftVoting.ComputeWeights(validation, plan.Model.SelectionThreshold);
            correct = SoftVoting.Combine(rows, weights).Select(r => (r.Cohort, r.ParticipantId, r.SessionId, r.TrueLabel == r.PredictedLabel));
        }
        var byKey = correct.ToDictionary(c => (c.Item1, c.Item2, c.Item3), c => c.Item4);
        return all.Where(i => byKey[(plan.Sessions[i].Cohort, plan.Sessions[i].ParticipantId, plan.Sessions[i].SessionId)] == keep).ToList();
    }

    /// <summary>Computes the gradients of <paramref name="elements"/> batch by batch and writes the maps (<see cref="MapFiles"/>):
    /// each element's as it comes (<c>individual</c>), or the running sums of their first channels, then the means (<c>group</c>).</summary>
    private void WriteMaps(InterpretPlan plan, string dir, nn.Module<Tensor, Tensor> network, Device device, PatchCache cache,
        IReadOnlyList<ElementSample> elements, CancellationToken cancel)
    {
        var files = new MapFiles(plan.Rois.Shape(0), plan.Rois.Channels, plan.Affine, options.VMax);
        int voxels = files.Voxels, length = files.Channels * voxels;
        int roiCount = plan.Rois.Count;
        string Stem(int element) => roiCount == 1 ? "map" : $"map_{plan.Rois.Level}-{plan.Rois.Id(element)}";
        var sums = options.Individual ? [] : Enumerable.Range(0, roiCount).Select(_ => new double[voxels]).ToArray();
        var counts = new int[roiCount];
        using var stream = new BatchStream(cache, elements, options.BatchSize, buffers: BatchTensors.For(device));
        foreach (var batch in stream.Batches(cancel))
        {
            using var scope = NewDisposeScope();
            var gradient = Saliency.Gradient(network, BatchTensors.Input(batch, device), plan.Target).data<float>().ToArray();
            for (int i = 0; i < batch.Count; i++)
            {
                var sample = batch.Samples[i];
                var map = gradient.AsSpan(i * length, length);
                if (options.Individual)
                {
                    string folder = Path.Combine(dir, sample.Session.ParticipantId, sample.Session.SessionId);
                    Directory.CreateDirectory(folder);
                    files.WriteIndividual(folder, Stem(sample.Element), map);
                }
                else
                {
                    var sum = sums[sample.Element];
                    for (int v = 0; v < voxels; v++) sum[v] += map[v]; // M[0]: the first channel only
                    counts[sample.Element]++;
                }
            }
        }
        if (options.Individual) return;
        int total = counts.Sum();
        var mean = new float[voxels];
        for (int v = 0; v < voxels; v++)
        {
            double s = 0;
            for (int k = 0; k < roiCount; k++) s += sums[k][v];
            mean[v] = (float)(s / total);
        }
        files.WriteGroup(dir, "map", mean);
        if (roiCount == 1) return;
        for (int k = 0; k < roiCount; k++)
            files.WriteGroup(dir, Stem(k), sums[k].Select(x => (float)(x / counts[k])).ToArray());
    }

    /// <summary>0.2.1's interpret namespace after translation (spec verbs §4.5), then ours.</summary>
    private IReadOnlyList<KeyValuePair<string, object?>> CommandLine(InterpretPlan plan)
    {
        var o = options;
        return
        [
            new("logname", o.LogName), new("version", false), new("task", o.Individual ? "individual" : "group"), new("model_path", o.ModelPath),
            new("batch_size", o.BatchSize), new("use_cpu", o.UseCpu), new("nproc", o.NProc), new("selection", o.Selections.ToList()),
            new("tsv_path", plan.TsvPath), new("caps_dir", o.CapsDir), new("multi_cohort", plan.MultiCohort), new("diagnosis", o.Diagnosis),
            new("target_diagnosis", o.TargetDiagnosis ?? o.Diagnosis), new("baseline", o.Baseline), new("keep_true", o.KeepTrue),
            new("nifti_template_path", o.NiftiTemplatePath), new("vmax", o.VMax), new("gpu", !o.UseCpu), new("num_workers", o.NProc),
            new("optimizer", "Adam"), new("loss", "default"), new("input_dir", plan.CapsDir), new("selection_threshold", null), new("prepare_dl", false),
            new("threads", o.Threads), new("overwrite", o.Overwrite), new("clinicadl_net_version", CommandLineRecord.ToolVersion),
            new("working_directory", Environment.CurrentDirectory),
        ];
    }
}
