namespace ClinicaDl.Caps;

/// <summary>One row of a label table: an image session with its diagnosis and class.</summary>
/// <param name="ParticipantId">BIDS participant, e.g. <c>sub-TRIV0</c>.</param>
/// <param name="SessionId">BIDS session, e.g. <c>ses-M00</c>.</param>
/// <param name="Diagnosis">The diagnosis column (AD, CN, …), or null for unlabelled sessions (classify).</param>
/// <param name="Label">The class of spec §4.2 (0 or 1), or −1 when unlabelled.</param>
/// <param name="Cohort">The cohort name (<c>single</c> unless <c>--multi_cohort</c>).</param>
/// <param name="CapsRoot">The CAPS folder that holds this session's images.</param>
public sealed record Session(string ParticipantId, string SessionId, string? Diagnosis, int Label, string Cohort, string CapsRoot)
{
    /// <summary>The cohort name used without <c>--multi_cohort</c>.</summary>
    public const string SingleCohort = "single";

    /// <summary><c>participant_id/session_id</c>, used as a key and in messages.</summary>
    public string Key => $"{ParticipantId}/{SessionId}";

    /// <summary>The CAPS layout of this session's cohort.</summary>
    public CapsLayout Caps => new(CapsRoot);
}
