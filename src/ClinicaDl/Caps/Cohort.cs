using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Caps;

/// <summary>One CAPS folder and its label tree, with the diagnoses it provides.</summary>
/// <param name="Name">Cohort name (<c>single</c> without <c>--multi_cohort</c>).</param>
/// <param name="CapsRoot">The cohort's CAPS folder (images and masks).</param>
/// <param name="TsvPath">The cohort's label tree (a folder made by <c>tsvtool split</c>/<c>kfold</c>) or, for classify, a TSV file.</param>
/// <param name="Diagnoses">Diagnoses this cohort provides, or null for "whatever <c>--diagnoses</c> asks".</param>
public sealed record Cohort(string Name, string CapsRoot, string TsvPath, IReadOnlyList<string>? Diagnoses)
{
    /// <summary>The cohorts of a run: one <c>single</c> cohort, or those listed by the two multi-cohort TSV files (spec §4.5).</summary>
    /// <param name="capsDir">CAPS_DIR: a folder, or with <paramref name="multiCohort"/> a TSV with columns <c>cohort</c>, <c>path</c>.</param>
    /// <param name="tsvPath">TSV_PATH: a folder, or with <paramref name="multiCohort"/> a TSV with columns <c>cohort</c>, <c>path</c>, <c>diagnoses</c>.</param>
    /// <param name="multiCohort">Whether <c>--multi_cohort</c> was given.</param>
    /// <param name="requireDiagnoses">Whether the TSV_PATH file must have a <c>diagnoses</c> column (training: yes; classify: no).</param>
    /// <exception cref="InvalidOptionException">A TSV path given without <c>--multi_cohort</c>, or a folder given with it.</exception>
    /// <exception cref="TsvFormatException">A cohort file with a missing column, a bad name or a cohort missing from one of the two files.</exception>
    public static IReadOnlyList<Cohort> Resolve(string capsDir, string tsvPath, bool multiCohort, bool requireDiagnoses = true)
    {
        if (!multiCohort)
        {
            if (requireDiagnoses && tsvPath.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOptionException("TSV_PATH", "a label folder made by tsvtool split or kfold (to list cohorts in TSV files, add --multi_cohort)", tsvPath);
            return [new Cohort(Session.SingleCohort, capsDir, tsvPath, null)];
        }

        if (!capsDir.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOptionException("CAPS_DIR", "with --multi_cohort, a TSV file with columns cohort and path", capsDir);
        if (!tsvPath.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOptionException("TSV_PATH", "with --multi_cohort, a TSV file with columns cohort, path and diagnoses", tsvPath);

        var caps = ReadPaths(capsDir);
        var tsvTable = TsvTable.Read(tsvPath);
        int ci = tsvTable.IndexOf("cohort"), pi = tsvTable.IndexOf("path");
        int di = requireDiagnoses || tsvTable.HasColumn("diagnoses") ? tsvTable.IndexOf("diagnoses") : -1;
        var cohorts = new List<Cohort>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < tsvTable.Rows.Count; r++)
        {
            string[] row = tsvTable.Rows[r];
            string name = row[ci];
            if (!BidsLabel.IsLabel(name))
                throw new TsvFormatException(tsvPath, r + 1, $"cohort \"{name}\" must be letters and digits only.");
            if (!seen.Add(name))
                throw new TsvFormatException(tsvPath, r + 1, $"cohort \"{name}\" is listed twice.");
            if (!caps.TryGetValue(name, out string? capsRoot))
                throw new TsvFormatException(tsvPath, r + 1, $"cohort \"{name}\" has no row in CAPS_DIR file {capsDir}.");
            IReadOnlyList<string>? diagnoses = null;
            if (di >= 0)
            {
                diagnoses = row[di].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                foreach (string d in diagnoses)
                    if (Diagnosis.Label(d) is null)
                        throw new TsvFormatException(tsvPath, r + 1, $"diagnosis \"{d}\" is not one of {string.Join(", ", Diagnosis.Names)}.");
            }
            cohorts.Add(new Cohort(name, ResolvePath(capsDir, capsRoot), ResolvePath(tsvPath, row[pi]), diagnoses));
        }
        if (cohorts.Count == 0)
            throw new TsvFormatException(tsvPath, null, "lists no cohort.");
        return cohorts;
    }

    private static Dictionary<string, string> ReadPaths(string file)
    {
        var table = TsvTable.Read(file);
        int ci = table.IndexOf("cohort"), pi = table.IndexOf("path");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int r = 0; r < table.Rows.Count; r++)
        {
            if (!map.TryAdd(table.Rows[r][ci], table.Rows[r][pi]))
                throw new TsvFormatException(file, r + 1, $"cohort \"{table.Rows[r][ci]}\" is listed twice.");
        }
        return map;
    }

    /// <summary>Relative paths in a cohort file are relative to that file's folder.</summary>
    private static string ResolvePath(string file, string path)
        => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, path));
}
