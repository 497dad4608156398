using System.Globalization;
using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Outputs;

namespace ClinicaDl.Tsv;

/// <summary>Options of <c>clinicadl tsvtool getlabels MERGED_TSV MISSING_MODS RESULTS_DIR</c> (spec §5.3).</summary>
/// <param name="MergedTsv">clinica's merged TSV (<c>clinica iotools merge-tsv</c>).</param>
/// <param name="MissingMods">clinica's missing-modalities folder (<c>clinica iotools missing-mods</c>).</param>
/// <param name="ResultsDir">Folder of the label files (created).</param>
/// <param name="Diagnoses"><c>--diagnoses</c>: labels to extract, from AD, BV, CN, MCI, sMCI, pMCI.</param>
/// <param name="Modality"><c>--modality</c>: column of the missing-modalities files that must be true for a session to be kept.</param>
/// <param name="RestrictionPath"><c>--restriction_path</c>: TSV of the sessions that may be kept, or null.</param>
/// <param name="TimeHorizon"><c>--time_horizon</c>: months after which an MCI session's outcome decides sMCI/pMCI.</param>
/// <param name="VariablesOfInterest"><c>--variables_of_interest</c>: merged columns to keep besides diagnosis, age and sex.</param>
/// <param name="KeepSmc"><c>--keep_smc</c>: keep rows whose <c>diagnosis_bl</c> or <c>diagnosis_sc</c> is SMC.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace label files and <c>getlabels.json</c> that already exist.</param>
public sealed record GetLabelsOptions(
    string MergedTsv,
    string MissingMods,
    string ResultsDir,
    IReadOnlyList<string> Diagnoses,
    string Modality = "t1w",
    string? RestrictionPath = null,
    int TimeHorizon = 36,
    IReadOnlyList<string>? VariablesOfInterest = null,
    bool KeepSmc = false,
    bool Overwrite = false);

/// <summary>One label file written by <c>getlabels</c>.</summary>
/// <param name="Label">The label (AD, CN, …).</param>
/// <param name="Path">The file.</param>
/// <param name="Subjects">Distinct participants in it.</param>
/// <param name="Sessions">Rows in it.</param>
public sealed record LabelFileSummary(string Label, string Path, int Subjects, int Sessions);

/// <summary>What <c>getlabels</c> wrote, and what it warns about.</summary>
public sealed record GetLabelsResult(IReadOnlyList<LabelFileSummary> Files, IReadOnlyList<string> Warnings);

/// <summary><c>clinicadl tsvtool getlabels</c>: one label file per diagnosis (AD, BV, CN, MCI, sMCI, pMCI) from clinica's merged TSV.</summary>
/// <remarks>
/// <para>
/// The labelling rules are 0.2.1's (spec §5.3): a participant's baseline diagnosis is its <c>ses-M00</c> diagnosis;
/// AD/BV/CN keep participants whose diagnosis never changes; MCI, sMCI and pMCI come from the MCI stability analysis with
/// a time horizon. A missing diagnosis is taken from <c>adni_diagnosis_change</c> when present, else inferred from the
/// neighbouring sessions when they agree, else the session is dropped. Sessions without the modality in the
/// missing-modalities files, or not listed exactly once in <c>--restriction_path</c>, are dropped.
/// </para>
/// <para>
/// Output columns: <c>participant_id, session_id, diagnosis</c>, the age column, the sex column (found by name, spec
/// §5.1), then the <c>--variables_of_interest</c> columns in the order given; rows in the merged file's order; values
/// as pandas writes them (<see cref="PandasTable"/>). Differences from 0.2.1 (docs/coming-from-clinicadl.md): a
/// deterministic column order (V19); horizon sessions found by month, so unpadded session ids (<c>ses-M6</c>) and
/// short horizons work (V20); everything is checked before anything is written, and existing files are kept unless
/// <c>--overwrite</c>; a participant without <c>ses-M00</c> (V16), a session id that is not <c>ses-M&lt;month&gt;</c> or an
/// unknown diagnosis in the MCI analysis is an error naming the participant and row.
/// </para>
/// </remarks>
public static class LabelExtraction
{
    /// <summary>The labels getlabels can extract, in the order it writes them.</summary>
    public static readonly IReadOnlyList<string> Labels = ["AD", "BV", "CN", "MCI", "sMCI", "pMCI"];

    private const string AgeSexWarning = "The age or sex values were not found in the dataset.";
    private const int EndlessHorizon = 10_000;
    private static readonly string[] MciBaselines = ["MCI", "EMCI", "LMCI"];

    /// <summary>A row of the merged TSV that survived the SMC removal.</summary>
    private sealed record Visit(int Row, string Participant, int Month, string? Diagnosis);

    /// <summary>Checks everything, computes every label, then writes <c>getlabels.json</c> and the label files.</summary>
    /// <exception cref="ClinicaDlException">A bad option, a missing or malformed input, a missing column, or an existing output.</exception>
    public static GetLabelsResult Run(GetLabelsOptions options)
    {
        var warnings = new List<string>();
        foreach (string d in options.Diagnoses)
            if (!Labels.Contains(d, StringComparer.Ordinal))
                throw new InvalidOptionException("--diagnoses", $"labels from {string.Join(", ", Labels)}", d);
        if (options.Diagnoses.Count == 0)
            throw new InvalidOptionException("--diagnoses", "at least one label");
        if (options.TimeHorizon < 0)
            throw new InvalidOptionException("--time_horizon", "a number of months ≥ 0", options.TimeHorizon.ToString(CultureInfo.InvariantCulture));

        var merged = PandasTable.Read(options.MergedTsv);
        int pCol = merged.Table.IndexOf("participant_id"), sCol = merged.Table.IndexOf("session_id"), dCol = merged.Table.IndexOf("diagnosis");
        var variables = Variables(merged, options.VariablesOfInterest, warnings);
        var missingMods = ReadMissingMods(options.MissingMods, options.Modality, warnings);
        var restriction = options.RestrictionPath is null ? null : ReadRestriction(options.RestrictionPath);

        var labels = Labels.Where(l => options.Diagnoses.Contains(l, StringComparer.Ordinal)).ToList();
        string json = Path.Combine(options.ResultsDir, "getlabels.json");
        if (File.Exists(options.ResultsDir))
            throw new OutputFolderException(options.ResultsDir, "is a file; RESULTS_DIR must be a folder.");
        LabelOutput.CheckWritable([json, .. labels.Select(l => Path.Combine(options.ResultsDir, l + ".tsv"))], options.Overwrite);

        var visits = ReadVisits(merged, pCol, sCol, dCol, options.KeepSmc);
        var byParticipant = visits.GroupBy(v => v.Participant, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var baseline = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (participant, rows) in byParticipant)
        {
            var first = rows.FirstOrDefault(v => v.Month == 0)
                ?? throw new TsvFormatException(options.MergedTsv, rows[0].Row + 1,
                    $"participant {participant} has no ses-M00 row{(options.KeepSmc ? "" : " (after removing SMC rows; --keep_smc keeps them)")}; getlabels needs every participant's baseline diagnosis.");
            baseline[participant] = first.Diagnosis;
        }
        var changeColumn = merged.Table.HasColumn("adni_diagnosis_change") ? merged.Table.IndexOf("adni_diagnosis_change") : -1;
        var context = new Context(merged, byParticipant, baseline, changeColumn);

        var outputs = new List<(string Label, List<(Visit Visit, string Label)> Rows)>();
        List<(Visit, string)>? horizonLabels = null;
        foreach (string label in labels)
        {
            List<(Visit Visit, string Label)> rows = label switch
            {
                "AD" or "BV" or "CN" => StableSelection(context, label),
                "MCI" => RemoveByLastLabel(MciStability(context, EndlessHorizon), ["rMCI"]).Select(x => (x.Visit, "MCI")).ToList(),
                "sMCI" => RemoveByLastLabel(horizonLabels ??= MciStability(context, options.TimeHorizon), ["rMCI", "pMCI"]).Where(x => x.Label == "sMCI").ToList(),
                _ => (horizonLabels ??= MciStability(context, options.TimeHorizon)).Where(x => x.Item2 == "pMCI").ToList(),
            };
            rows = rows.Where(x => HasModality(missingMods, options.Modality, x.Visit, merged.Raw(x.Visit.Row, sCol))).ToList();
            if (restriction is not null)
                rows = rows.Where(x => restriction.TryGetValue((x.Visit.Participant, SessionKey(merged.Raw(x.Visit.Row, sCol))), out int n) && n == 1).ToList();
            outputs.Add((label, rows.OrderBy(x => x.Visit.Row).ToList()));
        }

        var config = new List<KeyValuePair<string, object?>>
        {
            new("merged_tsv", options.MergedTsv),
            new("missing_mods", options.MissingMods),
            new("diagnoses", options.Diagnoses.ToList()),
            new("modality", options.Modality),
            new("restriction_path", options.RestrictionPath),
            new("time_horizon", options.TimeHorizon),
            new("variables_of_interest", options.VariablesOfInterest?.ToList()),
            new("remove_smc", !options.KeepSmc),
        };
        Directory.CreateDirectory(options.ResultsDir);
        AtomicFile.WriteAllText(json, PythonJson.Format(config));
        List<string> columns = ["participant_id", "session_id", .. variables.Select(v => merged.Columns[v])];
        var summaries = new List<LabelFileSummary>();
        foreach (var (label, rows) in outputs)
        {
            string path = Path.Combine(options.ResultsDir, label + ".tsv");
            TsvWriter.Write(path, columns, rows.Select(x => (IReadOnlyList<object?>)
            [
                merged.Raw(x.Visit.Row, pCol), merged.Raw(x.Visit.Row, sCol),
                .. variables.Select(v => (object?)(v == dCol ? x.Label : merged.Text(x.Visit.Row, v))),
            ]));
            summaries.Add(new LabelFileSummary(label, path, rows.Select(x => x.Visit.Participant).Distinct(StringComparer.Ordinal).Count(), rows.Count));
        }
        return new GetLabelsResult(summaries, warnings);
    }

    /// <summary>Session ids compare by month when they are <c>ses-M&lt;month&gt;</c> (so <c>ses-M6</c> = <c>ses-M06</c>), else as text.</summary>
    internal static string SessionKey(string sessionId) => BidsLabel.SessionMonth(sessionId) is int m ? "M" + m.ToString(CultureInfo.InvariantCulture) : sessionId;

    /// <summary>diagnosis, the age column, the sex column, then the variables of interest in the given order (no repeats).</summary>
    private static List<int> Variables(PandasTable merged, IReadOnlyList<string>? interest, List<string> warnings)
    {
        var candidates = merged.Columns.Where(c => c is not ("participant_id" or "session_id")).ToList();
        var names = new List<string> { "diagnosis" };
        string? age = ColumnLookup.Find(candidates, "age");
        if (age is null) warnings.Add(AgeSexWarning);
        else
        {
            names.Add(age);
            string? sex = ColumnLookup.Find(candidates, "sex");
            if (sex is null) warnings.Add(AgeSexWarning);
            else names.Add(sex);
        }
        foreach (string v in interest ?? [])
        {
            if (v is "participant_id" or "session_id") continue;
            if (!merged.Table.HasColumn(v))
                throw new InvalidOptionException("--variables_of_interest", $"columns of {merged.Path}", $"\"{v}\" (found: {string.Join(", ", candidates)})");
            names.Add(v);
        }
        return names.Distinct(StringComparer.Ordinal).Select(merged.Table.IndexOf).ToList();
    }

    private static List<Visit> ReadVisits(PandasTable merged, int pCol, int sCol, int dCol, bool keepSmc)
    {
        int bl = merged.Table.HasColumn("diagnosis_bl") ? merged.Table.IndexOf("diagnosis_bl") : -1;
        int sc = merged.Table.HasColumn("diagnosis_sc") ? merged.Table.IndexOf("diagnosis_sc") : -1;
        var seen = new Dictionary<(string, int), int>();
        var visits = new List<Visit>();
        for (int r = 0; r < merged.RowCount; r++)
        {
            string participant = merged.Raw(r, pCol), session = merged.Raw(r, sCol);
            if (merged.IsMissing(r, pCol))
                throw new TsvFormatException(merged.Path, r + 1, "participant_id is empty.");
            int month = BidsLabel.SessionMonth(session)
                ?? throw new TsvFormatException(merged.Path, r + 1, $"session_id \"{session}\" is not ses-M<month> (e.g. ses-M00, ses-M06); getlabels orders sessions by month.");
            if (!seen.TryAdd((participant, month), r))
                throw new TsvFormatException(merged.Path, r + 1, $"{participant} {session} is the same session as row {seen[(participant, month)] + 1}.");
            if (!keepSmc && ((bl >= 0 && merged.Raw(r, bl) == "SMC") || (sc >= 0 && merged.Raw(r, sc) == "SMC"))) continue;
            visits.Add(new Visit(r, participant, month, merged.Value(r, dCol)));
        }
        return visits;
    }

    /// <summary>The missing-modalities tables by session key (file stem after the last "_").</summary>
    private static Dictionary<string, PandasTable> ReadMissingMods(string folder, string modality, List<string> warnings)
    {
        if (!Directory.Exists(folder))
            throw new TsvFormatException(folder, null, "folder not found; expected the output folder of clinica iotools missing-mods (missing_mods_<session>.tsv files).");
        var tables = new Dictionary<string, PandasTable>(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(folder).Where(f => Path.GetExtension(f) == ".tsv").Order(StringComparer.Ordinal))
        {
            string stem = Path.GetFileNameWithoutExtension(file);
            string session = stem[(stem.LastIndexOf('_') + 1)..];
            var table = PandasTable.Read(file);
            table.Table.IndexOf("participant_id");
            if (table.RowCount == 0)
                throw new TsvFormatException(file, null, "has no rows; a missing-modalities file lists the participants of its session.");
            tables[SessionKey(session)] = table;
        }
        if (tables.Count == 0)
            throw new TsvFormatException(folder, null, "holds no .tsv file; expected missing_mods_<session>.tsv files from clinica iotools missing-mods.");
        if (!tables.Values.Any(t => t.Table.HasColumn(modality)))
            warnings.Add($"No file of {folder} has a \"{modality}\" column: every label file is empty (generate random|trivial data need --modality synthetic).");
        return tables;
    }

    private static Dictionary<(string, string), int> ReadRestriction(string path)
    {
        var table = TsvTable.Read(path);
        int p = table.IndexOf("participant_id"), s = table.IndexOf("session_id");
        var counts = new Dictionary<(string, string), int>();
        foreach (var row in table.Rows)
        {
            var key = (row[p], SessionKey(row[s]));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    /// <summary>True when the session's missing-modalities row says the modality is there (a missing value counts as there, as in 0.2.1).</summary>
    private static bool HasModality(Dictionary<string, PandasTable> missingMods, string modality, Visit visit, string sessionId)
    {
        if (!missingMods.TryGetValue(SessionKey(sessionId), out var table) || !table.Table.HasColumn(modality)) return false;
        int p = table.Table.IndexOf("participant_id"), m = table.Table.IndexOf(modality);
        var rows = Enumerable.Range(0, table.RowCount).Where(r => table.Raw(r, p) == visit.Participant).ToList();
        if (rows.Count != 1) return false;
        int row = rows[0];
        if (table.IsMissing(row, m)) return true;
        return table.KindOf(m) switch
        {
            PandasTable.ColumnKind.Integer or PandasTable.ColumnKind.Float => table.Number(row, m) is double v && v != 0,
            PandasTable.ColumnKind.Boolean => table.Text(row, m) == "True",
            _ => true,
        };
    }

    private sealed record Context(
        PandasTable Merged,
        Dictionary<string, List<Visit>> ByParticipant,
        Dictionary<string, string?> Baseline,
        int ChangeColumn);

    /// <summary>AD, BV, CN: participants whose baseline is the label and whose known diagnoses never differ from it.</summary>
    private static List<(Visit, string)> StableSelection(Context context, string label)
    {
        var result = new List<(Visit, string)>();
        foreach (var (participant, visits) in context.ByParticipant)
        {
            if (context.Baseline[participant] != label) continue;
            var filled = FillFromAdniChange(context, visits);
            if (filled.Any(v => v.Diagnosis is not null && v.Diagnosis != label)) continue;
            result.AddRange(InferOrDrop(filled).Select(v => (v, label)));
        }
        return result;
    }

    /// <summary>Missing diagnoses taken from <c>adni_diagnosis_change</c> when the column exists (spec §5.3 <c>fill_nan</c>).</summary>
    private static List<Visit> FillFromAdniChange(Context context, List<Visit> visits)
    {
        if (context.ChangeColumn < 0) return visits;
        return visits.Select(v =>
        {
            if (v.Diagnosis is not null || context.Merged.IsMissing(v.Row, context.ChangeColumn)) return v;
            double? change = context.Merged.Number(v.Row, context.ChangeColumn);
            string? diagnosis = change switch
            {
                1 or 7 or 9 => "CN",
                2 or 4 or 8 => "MCI",
                3 or 5 or 6 => "AD",
                -1 => null,
                _ => throw new TsvFormatException(context.Merged.Path, v.Row + 1,
                    $"adni_diagnosis_change \"{context.Merged.Raw(v.Row, context.ChangeColumn)}\" is not one of -1, 1 to 9."),
            };
            return v with { Diagnosis = diagnosis };
        }).ToList();
    }

    /// <summary>Fills a missing diagnosis when the nearest known ones before and after agree; drops it otherwise, and always on the last session.</summary>
    private static List<Visit> InferOrDrop(List<Visit> visits)
    {
        var sorted = visits.OrderBy(v => v.Month).ToList();
        var result = new List<Visit>();
        foreach (var visit in visits)
        {
            if (visit.Diagnosis is not null) { result.Add(visit); continue; }
            int index = sorted.IndexOf(visit);
            if (index == sorted.Count - 1) continue;
            int before = index - 1;
            while (before > 0 && sorted[before].Diagnosis is null) before--;
            int after = index + 1;
            while (after < sorted.Count - 1 && sorted[after].Diagnosis is null) after++;
            string? previous = before >= 0 ? sorted[before].Diagnosis : null;
            if (previous is not null && previous == sorted[after].Diagnosis) result.Add(visit with { Diagnosis = previous });
        }
        return result;
    }

    /// <summary>Labels every MCI session of MCI-baseline participants sMCI, pMCI, rMCI or uMCI from the diagnosis <paramref name="horizon"/> months later.</summary>
    private static List<(Visit Visit, string Label)> MciStability(Context context, int horizon)
    {
        var result = new List<(Visit, string)>();
        foreach (var (participant, all) in context.ByParticipant)
        {
            if (!MciBaselines.Contains(context.Baseline[participant])) continue;
            var visits = InferOrDrop(FillFromAdniChange(context, all));
            var sorted = visits.OrderBy(v => v.Month).ToList();
            int changes = 0;
            for (int i = 1; i < sorted.Count; i++)
                if (sorted[i].Diagnosis != sorted[i - 1].Diagnosis) changes++;
            if (changes > 1) continue;
            foreach (var visit in visits)
            {
                if (visit.Diagnosis != "MCI") continue;
                int target = visit.Month + horizon;
                string label;
                var exact = sorted.FirstOrDefault(v => v.Month == target);
                if (exact is not null) label = Outcome(context, exact) + "MCI";
                else if (target > sorted[^1].Month)
                    label = sorted[^1].Diagnosis != "MCI" ? Outcome(context, sorted[^1]) + "MCI" : "uMCI";
                else
                {
                    var previous = sorted.Last(v => v.Month < target);
                    var next = sorted.First(v => v.Month > target);
                    label = previous.Diagnosis != "MCI" ? Outcome(context, previous) + "MCI" : next.Diagnosis != "MCI" ? "uMCI" : "sMCI";
                }
                result.Add((visit, label));
            }
        }
        return result;
    }

    /// <summary>r, s or p for a CN, MCI or AD diagnosis.</summary>
    private static string Outcome(Context context, Visit visit) => visit.Diagnosis switch
    {
        "CN" => "r",
        "MCI" => "s",
        "AD" => "p",
        _ => throw new TsvFormatException(context.Merged.Path, visit.Row + 1,
            $"{visit.Participant}: diagnosis \"{visit.Diagnosis}\" is not one of CN, MCI, AD, which the MCI stability analysis needs for a session it looks ahead to."),
    };

    /// <summary>Removes participants whose last remaining session has one of <paramref name="labels"/>.</summary>
    private static List<(Visit Visit, string Label)> RemoveByLastLabel(List<(Visit Visit, string Label)> rows, string[] labels)
    {
        var removed = rows.GroupBy(x => x.Visit.Participant, StringComparer.Ordinal)
            .Where(g => labels.Contains(g.MaxBy(x => x.Visit.Month).Label))
            .Select(g => g.Key)
            .ToHashSet(StringComparer.Ordinal);
        return rows.Where(x => !removed.Contains(x.Visit.Participant)).ToList();
    }
}
