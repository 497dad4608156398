using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Caps;

/// <summary>Reads label TSV files (<c>participant_id</c>, <c>session_id</c>, <c>diagnosis</c>) into sessions.</summary>
public static class LabelFile
{
    /// <summary>The mandatory columns.</summary>
    public static readonly IReadOnlyList<string> RequiredColumns = ["participant_id", "session_id", "diagnosis"];

    /// <summary>Reads one label file: every row must have a BIDS participant and session and a known diagnosis.</summary>
    /// <param name="path">The TSV file.</param>
    /// <param name="cohort">Cohort name stored in each session.</param>
    /// <param name="capsRoot">CAPS folder stored in each session.</param>
    /// <param name="requireDiagnosis">When false, a file without a <c>diagnosis</c> column gives unlabelled sessions (classify).</param>
    /// <exception cref="TsvFormatException">A missing file or column, a bad id, an unknown diagnosis, or a session listed twice.</exception>
    public static IReadOnlyList<Session> Read(string path, string cohort, string capsRoot, bool requireDiagnosis = true)
        => FromTable(TsvTable.Read(path), cohort, capsRoot, requireDiagnosis);

    /// <summary>The sessions of a parsed label table (see <see cref="Read"/>).</summary>
    public static IReadOnlyList<Session> FromTable(TsvTable table, string cohort, string capsRoot, bool requireDiagnosis = true)
    {
        string path = table.Path;
        int pi = table.IndexOf("participant_id");
        int si = table.IndexOf("session_id");
        int di = requireDiagnosis || table.HasColumn("diagnosis") ? table.IndexOf("diagnosis") : -1;
        var sessions = new List<Session>(table.Rows.Count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < table.Rows.Count; r++)
        {
            string[] row = table.Rows[r];
            int rowNumber = r + 1;
            string p = row[pi], s = row[si];
            if (!BidsLabel.IsParticipantId(p))
                throw new TsvFormatException(path, rowNumber, $"participant_id \"{p}\" is not a BIDS label (sub-<letters and digits>, no '/', '..' or spaces).");
            if (!BidsLabel.IsSessionId(s))
                throw new TsvFormatException(path, rowNumber, $"session_id \"{s}\" is not a BIDS label (ses-<letters and digits>).");
            string? diagnosis = null;
            int label = -1;
            if (di >= 0)
            {
                diagnosis = row[di];
                label = Diagnosis.Label(diagnosis)
                    ?? throw new TsvFormatException(path, rowNumber, $"diagnosis \"{diagnosis}\" is not one of {string.Join(", ", Diagnosis.Names)}.");
            }
            string key = p + "/" + s;
            if (seen.TryGetValue(key, out int first))
                throw new TsvFormatException(path, rowNumber, $"session {key} is listed twice (first at row {first}).");
            seen[key] = rowNumber;
            sessions.Add(new Session(p, s, diagnosis, label, cohort, capsRoot));
        }
        return sessions;
    }
}
