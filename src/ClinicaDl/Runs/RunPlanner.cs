using System.Globalization;
using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;

namespace ClinicaDl.Runs;

/// <summary>Validates a training run up front (STYLE §3, decision 14): options, CAPS, label trees, the mode's elements (images, masks, shapes against the network) and the output folder.</summary>
/// <remarks>Nothing is written and no image body is read here; every error names the option, file or row and what was expected.</remarks>
internal static class RunPlanner
{
    private static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);

    public static RunPlan Plan(TrainOptions o, bool resuming = false)
    {
        CheckOptions(o);
        var cohorts = Cohort.Resolve(o.CapsDir, o.TsvPath, o.Data.MultiCohort);
        foreach (var cohort in cohorts) CheckCaps(cohort.CapsRoot, o.Data.MultiCohort ? cohort.Name : null);

        // Label trees of every fold, and the union of their sessions.
        var sessions = new List<Session>();
        var index = new Dictionary<(string, string, string), int>();
        int Add(Session s)
        {
            var key = (s.Cohort, s.ParticipantId, s.SessionId);
            if (index.TryGetValue(key, out int i)) return i;
            index[key] = sessions.Count;
            sessions.Add(s);
            return sessions.Count - 1;
        }
        var folds = new List<FoldPlan>();
        foreach (int fold in o.CrossValidation.Folds)
        {
            var fs = LabelTree.Read(cohorts, o.Data.Diagnoses, o.Data.Baseline, o.CrossValidation.NSplits, fold);
            folds.Add(new FoldPlan(fold, fs.Train.Select(Add).ToList(), fs.Validation.Select(Add).ToList()));
        }

        var elements = o.Mode.Elements(o, cohorts, sessions);
        foreach (var fold in folds) CheckBatches(o, fold, elements.Count);
        var tree = new ResultsTree(o.OutputDir);
        if (!resuming) CheckOutput(o, tree);
        var transfer = TransferLearning.Plan(o, folds.Select(f => f.Fold), elements.Count, elements.Shape(0));
        if (!resuming) CheckWritable(o.OutputDir); // last: a run refused for another reason has not touched any folder
        return new RunPlan(o, tree, cohorts, elements, sessions, folds, transfer, o.Mode.ReadInitialWeights(o));
    }

    private static void CheckOptions(TrainOptions o)
    {
        var c = o.Computational;
        if (!o.Mode.Preprocessings.Contains(o.Preprocessing))
            throw new InvalidOptionException("PREPROCESSING", o.Preprocessing == PhantomImages.Preprocessing
                ? $"{string.Join(" or ", o.Mode.Preprocessings)} in {o.Mode.Name} mode (the shepplogan phantoms are trained in image mode only, as in ClinicaDL 0.2.1)"
                : $"{string.Join(" or ", o.Mode.Preprocessings)} (what ClinicaDL.NET trains on in {o.Mode.Name} mode)", o.Preprocessing);
        o.Mode.Check(o);
        TrainSchema.CheckBounds(o); // the bounds the command line checks, for records read back or made by code
        if (o.Data.Diagnoses.Count == 0)
            throw new InvalidOptionException("-d/--diagnoses", "give at least one of " + string.Join(", ", Diagnosis.Names));
        foreach (var d in o.Data.Diagnoses)
            if (Diagnosis.Label(d) is null)
                throw new InvalidOptionException("-d/--diagnoses", "names among " + string.Join(", ", Diagnosis.Names), d);
        if (o.Data.Diagnoses.Distinct().Count() != o.Data.Diagnoses.Count)
            throw new InvalidOptionException("-d/--diagnoses", "distinct names", string.Join(" ", o.Data.Diagnoses));
        if (o.CrossValidation.NSplits is int n && n < 2)
            throw new InvalidOptionException("--n_splits", "an integer ≥ 2", Text(n));
        foreach (int split in o.CrossValidation.Split ?? [])
        {
            int count = o.CrossValidation.NSplits ?? 1;
            if (split < 0 || split >= count)
                throw new InvalidOptionException("--split", o.CrossValidation.NSplits is null
                    ? "0 without --n_splits (train/ and validation/ hold a single split)"
                    : $"fold indices in 0..{count - 1} (--n_splits {count})", Text(split));
        }
        if (o.CrossValidation.Split is { } s && s.Distinct().Count() != s.Count)
            throw new InvalidOptionException("--split", "distinct fold indices", string.Join(" ", s));
        if (o.Transfer.Selection is not ("best_loss" or "best_balanced_accuracy"))
            throw new InvalidOptionException("--transfer_learning_selection", "best_loss or best_balanced_accuracy", o.Transfer.Selection);
        if (!c.UseCpu && !TorchSharp.torch.cuda.is_available())
            throw new InvalidOptionException("-cpu/--use_cpu", "no GPU is available. Please add the -cpu flag to run on CPU");
    }

    internal static void CheckCaps(string root, string? cohort)
    {
        string where = cohort is null ? "CAPS_DIR" : $"CAPS of cohort {cohort}";
        if (File.Exists(root))
            throw new CapsLayoutException(root, $"{where} is a file; a CAPS folder was expected.");
        if (!Directory.Exists(root))
            throw new CapsLayoutException(root, $"{where} not found.");
        var bidsLike = Directory.EnumerateDirectories(root, "sub-*").FirstOrDefault();
        if (bidsLike is not null)
            throw new CapsLayoutException(root, $"{where} holds {Path.GetFileName(bidsLike)} at its top level: this looks like a BIDS folder, not a CAPS (which holds subjects/).");
        string subjects = Path.Combine(root, "subjects");
        try
        {
            if (Directory.Exists(subjects)) _ = Directory.EnumerateFileSystemEntries(subjects).Any();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CapsLayoutException(subjects, $"cannot be read ({e.Message}).");
        }
        if (!Directory.Exists(subjects) || !Directory.EnumerateFileSystemEntries(subjects).Any())
            throw new CapsLayoutException(root, $"{where} has no subjects (expected subjects/<participant_id>/<session_id>/t1_linear/).");
    }

    private static void CheckBatches(TrainOptions o, FoldPlan fold, int elementCount)
    {
        int perImage = o.NetworkKind.SamplesPerImage(elementCount);
        long batches = ((long)fold.Train.Count * perImage + o.Computational.BatchSize - 1) / o.Computational.BatchSize;
        if (o.Optimization.AccumulationSteps > batches)
            throw new InvalidOptionException("-asteps/--accumulation_steps",
                $"at most the {batches} batches of an epoch of fold {fold.Fold} (the model would never be updated)", Text(o.Optimization.AccumulationSteps));
    }

    private static void CheckOutput(TrainOptions o, ResultsTree tree)
    {
        string root = Path.GetFullPath(o.OutputDir);
        if (File.Exists(root))
            throw new OutputFolderException(root, "OUTPUT_DIR is a file; a folder was expected.");
        // Folds of one run may be trained by separate jobs into one OUTPUT_DIR (decision 4): the configurations must agree.
        if (File.Exists(tree.CommandLineJson) && !o.Overwrite)
        {
            var recorded = CommandLineRecord.Read(tree.CommandLineJson, root);
            if (CommandLineRecord.FirstDifference(o, recorded) is string key)
                throw new OutputFolderException(tree.CommandLineJson, $"records another training configuration (\"{key}\" differs).",
                    "Folds trained into one OUTPUT_DIR must share their options; choose another OUTPUT_DIR, or add --overwrite to replace the record.");
        }
        foreach (int fold in o.CrossValidation.Folds)
        {
            string dir = tree.Fold(fold);
            if (File.Exists(dir))
                throw new OutputFolderException(dir, "is a file; a fold folder was expected.");
            if (!o.Overwrite && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                throw new OutputFolderException(dir, "already holds results.",
                    "Add --overwrite to replace them, use `clinicadl train resume` to continue an interrupted run, or choose another OUTPUT_DIR.");
        }
    }

    /// <summary>The nearest existing folder of OUTPUT_DIR must let this process create files.</summary>
    private static void CheckWritable(string outputDir)
    {
        string root = Path.GetFullPath(outputDir);
        string? probe = root;
        while (probe is not null && !Directory.Exists(probe)) probe = Path.GetDirectoryName(probe);
        if (probe is null || !Common.FolderAccess.CanCreateFilesIn(probe))
            throw new OutputFolderException(root, $"cannot be written ({probe ?? "/"} is not writable).");
    }
}
