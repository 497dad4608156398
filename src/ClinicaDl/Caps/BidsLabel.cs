using System.Text.RegularExpressions;

namespace ClinicaDl.Caps;

/// <summary>Checks identifiers that become parts of paths (participant, session, ROI names).</summary>
/// <remarks>
/// Identifiers are joined into CAPS paths, so an id such as <c>../x</c> or <c>/etc</c> would read or
/// write outside the CAPS. Only BIDS labels are accepted: a fixed prefix and then letters and digits.
/// </remarks>
public static partial class BidsLabel
{
    [GeneratedRegex("^sub-[A-Za-z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ParticipantRegex();

    [GeneratedRegex("^ses-[A-Za-z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionRegex();

    [GeneratedRegex("^[A-Za-z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelRegex();

    /// <summary>True for <c>sub-&lt;label&gt;</c> with an alphanumeric label.</summary>
    public static bool IsParticipantId(string value) => ParticipantRegex().IsMatch(value);

    /// <summary>True for <c>ses-&lt;label&gt;</c> with an alphanumeric label.</summary>
    public static bool IsSessionId(string value) => SessionRegex().IsMatch(value);

    /// <summary>True for an alphanumeric label (ROI names, cohort names).</summary>
    public static bool IsLabel(string value) => LabelRegex().IsMatch(value);

    /// <summary>The number in <c>ses-M&lt;number&gt;</c>, used to find a subject's baseline session; null if the id has another form.</summary>
    public static int? SessionMonth(string sessionId)
    {
        if (sessionId.Length > 5 && sessionId.StartsWith("ses-M", StringComparison.Ordinal)
            && int.TryParse(sessionId.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int m))
            return m;
        return null;
    }
}
