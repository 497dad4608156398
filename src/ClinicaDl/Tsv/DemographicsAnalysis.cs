using ClinicaDl.Caps;
using ClinicaDl.Errors;

namespace ClinicaDl.Tsv;

/// <summary>Options of <c>clinicadl tsvtool analysis MERGED_TSV FORMATTED_DATA_PATH RESULTS_TSV</c> (spec §5.4).</summary>
/// <param name="MergedTsv">clinica's merged TSV.</param>
/// <param name="FormattedDataPath">Folder of label files (<c>getlabels</c>' output).</param>
/// <param name="ResultsTsv">The table to write (its folder is created).</param>
/// <param name="Diagnoses"><c>--diagnoses</c>: the label files to describe, one output row each, in this order.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace an existing <paramref name="ResultsTsv"/>.</param>
public sealed record AnalysisOptions(string MergedTsv, string FormattedDataPath, string ResultsTsv, IReadOnlyList<string> Diagnoses, bool Overwrite = false);

/// <summary>What <c>tsvtool analysis</c> did: the file written and the messages 0.2.1 prints (baseline fallbacks, unusual CDR values).</summary>
public sealed record AnalysisResult(string Path, IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings);

/// <summary><c>clinicadl tsvtool analysis</c>: demographics (age, sex, MMSE, CDR, scans) of each label file, one row per diagnosis.</summary>
/// <remarks>
/// As 0.2.1: each participant is described by its first label-file session that has a diagnosis in the merged TSV (not
/// necessarily its baseline); standard deviations are population ones; statistics ignore missing values with numpy's
/// nan-functions, summed as numpy sums (<see cref="NumpyStatistics"/>), so the figures have the same digits. Every value
/// is written as a float (<c>3.0</c>). Differences (docs/coming-from-clinicadl.md): an empty label file gives zero
/// counts and empty statistics instead of a crash (V22); a participant or session of a label file missing from the merged
/// TSV, or without any diagnosis, is an error naming it; the output is not replaced without <c>--overwrite</c>.
/// </remarks>
public static class DemographicsAnalysis
{
    /// <summary>The output columns, in order.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "diagnosis", "n_subjects", "mean_age", "std_age", "min_age", "max_age", "sexF", "sexM", "mean_MMSE", "std_MMSE", "min_MMSE",
        "max_MMSE", "CDR_0", "CDR_0.5", "CDR_1", "CDR_2", "CDR_3", "mean_scans", "std_scans", "n_scans",
    ];

    private static readonly double[] CdrValues = [0, 0.5, 1, 2, 3];

    /// <summary>Reads the merged TSV and the label files, then writes the table.</summary>
    /// <exception cref="ClinicaDlException">A missing file or column, a value that is not a number, a participant without sex, or an existing output.</exception>
    public static AnalysisResult Run(AnalysisOptions options)
    {
        if (options.Diagnoses.Count == 0)
            throw new InvalidOptionException("--diagnoses", "at least one label");
        LabelOutput.CheckNotInput(options.ResultsTsv, options.MergedTsv, "RESULTS_TSV");
        var merged = PandasTable.Read(options.MergedTsv);
        int pCol = merged.Table.IndexOf("participant_id"), sCol = merged.Table.IndexOf("session_id"), dCol = merged.Table.IndexOf("diagnosis");
        var candidates = merged.Columns.Where(c => c is not ("participant_id" or "session_id")).ToList();
        int Find(string target) => ColumnLookup.Find(candidates, target) is string name ? merged.Table.IndexOf(name)
            : throw new TsvFormatException(merged.Path, null, $"no column name contains \"{target}\" (found: {string.Join(", ", candidates)}); analysis needs age, sex and MMSE columns.");
        int ageCol = Find("age"), sexCol = Find("sex"), mmseCol = Find("mms"), cdrCol = merged.Table.IndexOf("cdr_global");
        LabelOutput.CheckWritable([options.ResultsTsv], options.Overwrite);

        var rowOf = new Dictionary<(string, string), int>();
        var rowsOfParticipant = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int r = 0; r < merged.RowCount; r++)
        {
            string p = merged.Raw(r, pCol);
            rowOf.TryAdd((p, LabelExtraction.SessionKey(merged.Raw(r, sCol))), r);
            if (!rowsOfParticipant.TryGetValue(p, out var list)) rowsOfParticipant[p] = list = [];
            list.Add(r);
        }

        var notes = new List<string>();
        var warnings = new List<string>();
        var table = new List<IReadOnlyList<object?>>();
        foreach (string diagnosis in options.Diagnoses)
        {
            string path = Path.Combine(options.FormattedDataPath, diagnosis + ".tsv");
            if (!File.Exists(path))
            {
                string fallback = Path.Combine(options.FormattedDataPath, diagnosis + "_baseline.tsv");
                if (!File.Exists(fallback))
                    throw new TsvFormatException(path, null, $"file not found, nor {fallback}; --diagnoses {diagnosis} needs one of them (tsvtool getlabels writes {diagnosis}.tsv).");
                notes.Add($"TSV file with all sessions was not found for diagnosis {diagnosis}. Loads baseline version instead.");
                path = fallback;
            }
            var labels = TsvTable.Read(path);
            int lp = labels.IndexOf("participant_id"), ls = labels.IndexOf("session_id");
            var ages = new List<double>();
            var mmses = new List<double>();
            var scans = new List<double>();
            double sexF = 0, sexM = 0;
            var cdr = new double[CdrValues.Length];
            var participants = labels.Rows.Select((row, i) => (Participant: row[lp], Session: row[ls], Row: i + 1))
                .GroupBy(x => x.Participant, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal);
            foreach (var group in participants)
            {
                string participant = group.Key;
                var sessions = group.OrderBy(x => BidsLabel.SessionMonth(x.Session) ?? int.MaxValue).ThenBy(x => x.Session, StringComparer.Ordinal).ToList();
                int mergedRow = -1;
                foreach (var s in sessions)
                {
                    if (!rowOf.TryGetValue((participant, LabelExtraction.SessionKey(s.Session)), out int r))
                        throw new TsvFormatException(path, s.Row, $"{participant} {s.Session} is not in {merged.Path}.");
                    if (!merged.IsMissing(r, dCol)) { mergedRow = r; break; }
                }
                if (mergedRow < 0)
                    throw new TsvFormatException(merged.Path, null, $"{participant} has no diagnosis at any session listed in {path}.");
                scans.Add(sessions.Count);
                ages.Add(Number(merged, mergedRow, ageCol));
                mmses.Add(Number(merged, mergedRow, mmseCol));
                var sexes = rowsOfParticipant[participant].Select(r => merged.Raw(r, sexCol)).ToList();
                if (sexes.Contains("F")) sexF++;
                else if (sexes.Contains("M")) sexM++;
                else throw new TsvFormatException(merged.Path, null, $"participant {participant} has no sex (F or M) in column {merged.Columns[sexCol]}.");
                double value = Number(merged, mergedRow, cdrCol);
                int k = Array.IndexOf(CdrValues, value);
                if (k >= 0) cdr[k]++;
                else warnings.Add($"Patient {participant} has CDR {merged.Raw(mergedRow, cdrCol)}");
            }
            table.Add(
            [
                diagnosis, (double)scans.Count,
                .. Describe(ages), sexF, sexM, .. Describe(mmses), .. cdr.Cast<double>(),
                NumpyStatistics.NanMean(scans), NumpyStatistics.NanStd(scans), scans.Sum(),
            ]);
        }
        TsvWriter.Write(options.ResultsTsv, Columns, table.Select(row => (IReadOnlyList<object?>)row.Select(v => v is double d && double.IsNaN(d) ? null : v).ToList()));
        return new AnalysisResult(options.ResultsTsv, notes, warnings);
    }

    private static IEnumerable<object?> Describe(List<double> values)
        => [NumpyStatistics.NanMean(values), NumpyStatistics.NanStd(values), NumpyStatistics.NanMin(values), NumpyStatistics.NanMax(values)];

    private static double Number(PandasTable merged, int row, int column)
        => merged.Number(row, column) ?? throw new TsvFormatException(merged.Path, row + 1, $"{merged.Columns[column]} \"{merged.Raw(row, column)}\" is not a number.");
}
