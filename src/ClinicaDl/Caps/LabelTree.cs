using ClinicaDl.Errors;

namespace ClinicaDl.Caps;

/// <summary>The train and validation sessions of one fold.</summary>
/// <param name="Train">Training sessions, in "diagnosis order, then file order" (spec §4.1), cohort after cohort.</param>
/// <param name="Validation">Validation sessions (always the baseline files), in the same order rules.</param>
public sealed record FoldSessions(IReadOnlyList<Session> Train, IReadOnlyList<Session> Validation);

/// <summary>Reads the label TSV trees that <c>tsvtool split</c> and <c>kfold</c> write (spec §4.1).</summary>
/// <remarks>
/// With <c>--n_splits n</c>, fold i reads <c>train_splits-n/split-i/&lt;DIAG&gt;[_baseline].tsv</c> and
/// <c>validation_splits-n/split-i/&lt;DIAG&gt;_baseline.tsv</c>; without it, <c>train/</c> and <c>validation/</c>.
/// The label comes from each row's <c>diagnosis</c> column (spec §4.2), not from the file name.
/// </remarks>
public static class LabelTree
{
    /// <summary>The folder holding fold <paramref name="split"/>'s training files.</summary>
    public static string TrainFolder(string tsvPath, int? nSplits, int split)
        => nSplits is int n ? Path.Combine(tsvPath, $"train_splits-{n}", $"split-{split}") : Path.Combine(tsvPath, "train");

    /// <summary>The folder holding fold <paramref name="split"/>'s validation files.</summary>
    public static string ValidationFolder(string tsvPath, int? nSplits, int split)
        => nSplits is int n ? Path.Combine(tsvPath, $"validation_splits-{n}", $"split-{split}") : Path.Combine(tsvPath, "validation");

    /// <summary>Reads fold <paramref name="split"/> of every cohort.</summary>
    /// <param name="cohorts">From <see cref="Cohort.Resolve"/>.</param>
    /// <param name="diagnoses">The <c>--diagnoses</c> list, in order.</param>
    /// <param name="baseline">Whether <c>--baseline</c> was given (train reads <c>&lt;DIAG&gt;_baseline.tsv</c>).</param>
    /// <param name="nSplits"><c>--n_splits</c>, or null for <c>train/</c> + <c>validation/</c>.</param>
    /// <param name="split">The fold index.</param>
    /// <exception cref="TsvFormatException">A missing label file or column, a bad row, or a session listed twice.</exception>
    /// <exception cref="DataLeakageException">A subject is in both the train and the validation set.</exception>
    /// <exception cref="InvalidOptionException">A diagnosis of <c>--diagnoses</c> is provided by no cohort, or a set is empty.</exception>
    public static FoldSessions Read(IReadOnlyList<Cohort> cohorts, IReadOnlyList<string> diagnoses, bool baseline, int? nSplits, int split)
    {
        var train = new List<Session>();
        var validation = new List<Session>();
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cohort in cohorts)
        {
            var wanted = cohort.Diagnoses is null ? diagnoses : diagnoses.Where(d => cohort.Diagnoses.Contains(d)).ToList();
            found.UnionWith(wanted);
            string trainDir = TrainFolder(cohort.TsvPath, nSplits, split);
            string validDir = ValidationFolder(cohort.TsvPath, nSplits, split);
            foreach (string diagnosis in wanted)
            {
                train.AddRange(ReadClassFile(Path.Combine(trainDir, diagnosis + (baseline ? "_baseline.tsv" : ".tsv")), cohort, nSplits, diagnosis, diagnoses, split));
                validation.AddRange(ReadClassFile(Path.Combine(validDir, diagnosis + "_baseline.tsv"), cohort, nSplits, diagnosis, diagnoses, split));
            }
        }
        var missing = diagnoses.Where(d => !found.Contains(d)).ToList();
        if (missing.Count > 0)
            throw new InvalidOptionException("--diagnoses", $"no cohort of TSV_PATH provides {string.Join(", ", missing)}");

        CheckUnique(train, TrainFolder(cohorts[0].TsvPath, nSplits, split));
        CheckUnique(validation, ValidationFolder(cohorts[0].TsvPath, nSplits, split));
        CheckNoLeak(train, validation, cohorts, nSplits, split);
        if (train.Count == 0)
            throw new TsvFormatException(TrainFolder(cohorts[0].TsvPath, nSplits, split), null, "the training label files list no session.");
        if (validation.Count == 0)
            throw new TsvFormatException(ValidationFolder(cohorts[0].TsvPath, nSplits, split), null, "the validation label files list no session.");
        return new FoldSessions(train, validation);
    }

    /// <summary>Reads the label file of one class: it must list sessions, each with a diagnosis of <c>--diagnoses</c>.</summary>
    /// <remarks>A file reduced to its header would train the fold without that class, and a row of another diagnosis would
    /// be trained under that diagnosis's label: both are refused rather than trained silently.</remarks>
    private static IReadOnlyList<Session> ReadClassFile(string path, Cohort cohort, int? nSplits, string diagnosis, IReadOnlyList<string> diagnoses, int split)
    {
        var sessions = ReadFile(path, cohort, nSplits);
        if (sessions.Count == 0)
            throw new TsvFormatException(path, null, $"lists no session (only its header): fold {split} would have no {diagnosis} session. Remake the split with clinicadl tsvtool, or leave {diagnosis} out of --diagnoses.");
        for (int r = 0; r < sessions.Count; r++)
            if (sessions[r].Diagnosis is string d && !diagnoses.Contains(d, StringComparer.Ordinal))
                throw new TsvFormatException(path, r + 1, $"diagnosis \"{d}\" is not one of --diagnoses ({string.Join(", ", diagnoses)}).");
        return sessions;
    }

    private static IReadOnlyList<Session> ReadFile(string path, Cohort cohort, int? nSplits)
    {
        if (!File.Exists(path))
        {
            string dir = Path.GetDirectoryName(path)!;
            string remedy = Directory.Exists(dir)
                ? "Check --diagnoses and --baseline."
                : nSplits is int n
                    ? $"Make the split folders with: clinicadl tsvtool kfold <labels folder> --n_splits {n}"
                    : "Make train/ and validation/ with: clinicadl tsvtool split <labels folder> --subset_name validation";
            throw new TsvFormatException(path, null, $"label file not found. {remedy}");
        }
        return LabelFile.Read(path, cohort.Name, cohort.CapsRoot);
    }

    private static void CheckUnique(IReadOnlyList<Session> sessions, string where)
    {
        var seen = new HashSet<(string, string, string)>();
        foreach (var s in sessions)
            if (!seen.Add((s.Cohort, s.ParticipantId, s.SessionId)))
                throw new TsvFormatException(where, null, $"session {s.Key} (cohort {s.Cohort}) is listed in more than one label file.");
    }

    private static void CheckNoLeak(IReadOnlyList<Session> train, IReadOnlyList<Session> validation, IReadOnlyList<Cohort> cohorts, int? nSplits, int split)
    {
        var trainSubjects = train.Select(s => (s.Cohort, s.ParticipantId)).ToHashSet();
        var leaks = validation.Where(s => trainSubjects.Contains((s.Cohort, s.ParticipantId)))
            .Select(s => s.ParticipantId).Distinct().ToList();
        if (leaks.Count > 0)
            throw new DataLeakageException(
                $"{TrainFolder(cohorts[0].TsvPath, nSplits, split)} and {ValidationFolder(cohorts[0].TsvPath, nSplits, split)}",
                leaks,
                "A subject must be in the train set or in the validation set, not both; remake the split with clinicadl tsvtool.");
    }
}
