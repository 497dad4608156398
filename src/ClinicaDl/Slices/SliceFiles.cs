using ClinicaDl.Caps;

namespace ClinicaDl.Slices;

/// <summary>How clinica's <c>extract_slices</c> stores a slice: an RGB triple of the normalised slice, or the raw slice (spec §6.3).</summary>
public enum SliceMode
{
    /// <summary><c>rgb</c>: float32 (3, H, W), min-max normalised, three identical channels (what <c>--use_extracted_slices</c> reads).</summary>
    Rgb,
    /// <summary><c>single</c>: float32 (1, H, W), raw intensities (never read by 0.2.1's training: spec M13).</summary>
    Single,
}

/// <summary>Names of the slice tensors under <c>deeplearning_prepare_data/slice_based/t1_linear/</c> (spec §5.2, §6.3).</summary>
/// <remarks>
/// clinica's rule: stem = the whole-image tensor's name up to its last <c>_</c>, suffix = from there on; a slice is
/// <c>&lt;stem&gt;_axis-&lt;sag|cor|axi&gt;_channel-&lt;rgb|single&gt;_slice-&lt;i&gt;&lt;suffix&gt;</c>, i the absolute slice index.
/// For the cropped t1-linear image of sub-01/ses-M00 and sagittal slice 20:
/// <c>sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_axis-sag_channel-rgb_slice-20_T1w.pt</c>.
/// </remarks>
public static class SliceFiles
{
    /// <summary>The file of slice <paramref name="index"/> of a session.</summary>
    public static string Path(CapsLayout caps, string participantId, string sessionId, SliceDirection direction, SliceMode mode, int index)
    {
        string image = System.IO.Path.GetFileName(caps.ImageTensorPath(participantId, sessionId));
        int cut = image.LastIndexOf('_');
        string name = $"{image[..cut]}_axis-{direction.Tag()}_channel-{(mode == SliceMode.Rgb ? "rgb" : "single")}_slice-{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}{image[cut..]}";
        return System.IO.Path.Combine(caps.SessionFolder(participantId, sessionId), "deeplearning_prepare_data", "slice_based", "t1_linear", name);
    }
}
