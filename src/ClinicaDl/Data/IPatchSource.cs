using ClinicaDl.Caps;
using ClinicaDl.Elements;

namespace ClinicaDl.Data;

/// <summary>Produces the patches of one session: every ROI in one pass over one read of its image.</summary>
public interface IPatchSource
{
    /// <summary>Writes ROI <c>r</c>'s patch of <paramref name="session"/> into <c>destinations[r]</c> (C order, normalised unless disabled).</summary>
    /// <returns>How many patches were constant (normalised to zeros, decision 11).</returns>
    int Load(Session session, IReadOnlyList<RoiDefinition> rois, IReadOnlyList<Memory<float>> destinations);
}
