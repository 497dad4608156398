using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Caps;

/// <summary>One label file of a <c>tsvtool getlabels</c> folder (<c>AD.tsv</c>, <c>CN.tsv</c>, …) and its subjects' baseline rows.</summary>
/// <remarks>Input of <c>tsvtool split</c> and <c>kfold</c>; subjects keep the order in which they first appear in the file.</remarks>
public sealed class LabelGroup
{
    private LabelGroup(string name, TsvTable table, IReadOnlyList<string> subjects, IReadOnlyDictionary<string, string[]> baseline)
    {
        Name = name;
        Table = table;
        Subjects = subjects;
        BaselineRows = baseline;
    }

    /// <summary>The label, i.e. the file name without <c>.tsv</c>.</summary>
    public string Name { get; }

    /// <summary>All rows of the file.</summary>
    public TsvTable Table { get; }

    /// <summary>Subjects in order of first appearance.</summary>
    public IReadOnlyList<string> Subjects { get; }

    /// <summary>Each subject's baseline row (smallest <c>ses-M&lt;k&gt;</c>), its diagnosis set to <see cref="Name"/>.</summary>
    public IReadOnlyDictionary<string, string[]> BaselineRows { get; }

    /// <summary>Reads every <c>&lt;L&gt;.tsv</c> (not <c>*_baseline.tsv</c>) of <paramref name="folder"/>, sorted by name.</summary>
    /// <exception cref="TsvFormatException">The folder is missing or has no label file; a file lacks a column or has a bad row.</exception>
    public static IReadOnlyList<LabelGroup> ReadFolder(string folder)
    {
        if (!Directory.Exists(folder))
            throw new TsvFormatException(folder, null, "folder not found; expected a folder of label files such as AD.tsv and CN.tsv.");
        var files = Directory.GetFiles(folder, "*.tsv")
            .Where(f => !f.EndsWith("_baseline.tsv", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new TsvFormatException(folder, null, "holds no label file (<LABEL>.tsv, e.g. AD.tsv, CN.tsv).");
        return files.Select(Read).ToList();
    }

    /// <summary>Reads one label file.</summary>
    public static LabelGroup Read(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        var table = TsvTable.Read(path);
        int pi = table.IndexOf("participant_id"), si = table.IndexOf("session_id");
        int di = table.HasColumn("diagnosis") ? table.IndexOf("diagnosis") : -1;
        if (di < 0)
        {
            // Add the column so that training can read the label from it (spec §4.2).
            var columns = table.Columns.Append("diagnosis").ToList();
            var rows = table.Rows.Select(r => r.Append(name).ToArray()).ToList();
            table = new TsvTable(path, columns, rows);
            di = columns.Count - 1;
        }
        var subjects = new List<string>();
        var best = new Dictionary<string, (int Month, string[] Row)>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < table.Rows.Count; r++)
        {
            string[] row = table.Rows[r];
            string p = row[pi], s = row[si];
            if (!BidsLabel.IsParticipantId(p))
                throw new TsvFormatException(path, r + 1, $"participant_id \"{p}\" is not a BIDS label (sub-<letters and digits>).");
            if (!BidsLabel.IsSessionId(s))
                throw new TsvFormatException(path, r + 1, $"session_id \"{s}\" is not a BIDS label (ses-<letters and digits>).");
            if (!seen.Add(p + "/" + s))
                throw new TsvFormatException(path, r + 1, $"session {p}/{s} is listed twice.");
            int month = BidsLabel.SessionMonth(s)
                ?? throw new TsvFormatException(path, r + 1, $"session_id \"{s}\" is not of the form ses-M<months>, so the baseline session cannot be found.");
            if (!best.TryGetValue(p, out var current))
            {
                subjects.Add(p);
                best[p] = (month, row);
            }
            else if (month < current.Month)
            {
                best[p] = (month, row);
            }
        }
        var baseline = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (subject, (_, row)) in best)
        {
            var copy = (string[])row.Clone();
            copy[di] = name;
            baseline[subject] = copy;
        }
        return new LabelGroup(name, table, subjects, baseline);
    }

    /// <summary>The baseline rows of <paramref name="subjects"/>, in that order.</summary>
    public IEnumerable<string[]> Baseline(IEnumerable<string> subjects) => subjects.Select(s => BaselineRows[s]);

    /// <summary>Every row of <paramref name="subjects"/>, subject after subject in that order, file order within a subject.</summary>
    public IEnumerable<string[]> AllSessions(IEnumerable<string> subjects)
    {
        int pi = Table.IndexOf("participant_id");
        var bySubject = Table.Rows.GroupBy(r => r[pi]).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        return subjects.SelectMany(s => bySubject[s]);
    }

    /// <summary>Writes <paramref name="rows"/> with this file's columns.</summary>
    public void Write(string path, IEnumerable<string[]> rows)
        => TsvWriter.Write(path, Table.Columns, rows.Select(r => (IReadOnlyList<object?>)r));
}
