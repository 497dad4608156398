using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Caps;

/// <summary>Lists the sessions of a CAPS: from a TSV (<c>participant_id</c>, <c>session_id</c>) or by scanning <c>subjects/</c>.</summary>
public static class SessionList
{
    /// <summary>The sessions of <paramref name="tsv"/>, or, when it is null, every session of <paramref name="caps"/> that has a cropped t1-linear image.</summary>
    /// <exception cref="TsvFormatException">A bad TSV row.</exception>
    /// <exception cref="CapsLayoutException">No subjects folder, no image, or a listed session without an image.</exception>
    public static IReadOnlyList<(string Participant, string Session)> Resolve(CapsLayout caps, string? tsv)
    {
        var sessions = tsv is null ? Scan(caps) : Read(tsv);
        if (sessions.Count == 0)
            throw new CapsLayoutException(caps.Root, "holds no t1-linear cropped image (subjects/<p>/<s>/t1_linear/<p>_<s>_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz).");
        foreach (var (p, s) in sessions)
        {
            string path = caps.ImagePath(p, s);
            if (!File.Exists(path) && !File.Exists(caps.ImageTensorPath(p, s)))
                throw new CapsLayoutException(path, $"image of {p}/{s} not found.");
        }
        return sessions;
    }

    /// <summary>Reads the <c>participant_id</c> and <c>session_id</c> columns of a TSV.</summary>
    public static List<(string Participant, string Session)> Read(string tsv)
    {
        var table = TsvTable.Read(tsv);
        int pi = table.IndexOf("participant_id"), si = table.IndexOf("session_id");
        var sessions = new List<(string, string)>();
        var seen = new HashSet<(string, string)>();
        for (int r = 0; r < table.Rows.Count; r++)
        {
            string p = table.Rows[r][pi], s = table.Rows[r][si];
            if (!BidsLabel.IsParticipantId(p) || !BidsLabel.IsSessionId(s))
                throw new TsvFormatException(tsv, r + 1, $"\"{p}\"/\"{s}\" is not a BIDS participant_id/session_id pair.");
            if (!seen.Add((p, s)))
                throw new TsvFormatException(tsv, r + 1, $"session {p}/{s} is listed twice.");
            sessions.Add((p, s));
        }
        return sessions;
    }

    /// <summary>Every (participant, session) under <c>subjects/</c> with a cropped t1-linear image, sorted.</summary>
    public static List<(string Participant, string Session)> Scan(CapsLayout caps)
    {
        string subjects = Path.Combine(caps.Root, "subjects");
        if (!Directory.Exists(subjects))
            throw new CapsLayoutException(subjects, "folder not found; a CAPS holds subjects/<participant_id>/<session_id>/t1_linear/.");
        return Directory.GetDirectories(subjects).Select(Path.GetFileName).Where(p => BidsLabel.IsParticipantId(p!))
            .Order(StringComparer.Ordinal)
            .SelectMany(p => Directory.GetDirectories(Path.Combine(subjects, p!)).Select(Path.GetFileName)
                .Where(s => BidsLabel.IsSessionId(s!)).Order(StringComparer.Ordinal).Select(s => (p!, s!)))
            .Where(x => File.Exists(caps.ImagePath(x.Item1, x.Item2)) || File.Exists(caps.ImageTensorPath(x.Item1, x.Item2)))
            .ToList();
    }
}
