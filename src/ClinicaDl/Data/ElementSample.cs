using ClinicaDl.Caps;

namespace ClinicaDl.Data;

/// <summary>One training or evaluation element: element k of an image (a ROI, patch, slice or the image), with where it came from (STYLE §14).</summary>
/// <param name="Session">The session (participant, session, label, cohort).</param>
/// <param name="CacheIndex">The session's index in the <see cref="PatchCache"/>.</param>
/// <param name="Element">The element's position in the mode's element set (roi_id, patch_id, slice_id; 0 for the image).</param>
public readonly record struct ElementSample(Session Session, int CacheIndex, int Element)
{
    /// <summary>The class label (0/1, or −1 when unlabelled).</summary>
    public int Label => Session.Label;
}
