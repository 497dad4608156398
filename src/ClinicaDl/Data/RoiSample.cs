using ClinicaDl.Caps;

namespace ClinicaDl.Data;

/// <summary>One training or evaluation element: an image's ROI, with where it came from (STYLE §14).</summary>
/// <param name="Session">The session (participant, session, label, cohort).</param>
/// <param name="CacheIndex">The session's index in the <see cref="PatchCache"/>.</param>
/// <param name="RoiIndex">The ROI's position in the ROI list (roi_id).</param>
public readonly record struct RoiSample(Session Session, int CacheIndex, int RoiIndex)
{
    /// <summary>The class label (0/1, or −1 when unlabelled).</summary>
    public int Label => Session.Label;
}
