using System.Globalization;
using ClinicaDl.Caps;

namespace ClinicaDl.Elements;

/// <summary>Names of clinica's patch tensors under <c>deeplearning_prepare_data/patch_based/t1_linear/</c> (spec modes §4.2, §6.3).</summary>
/// <remarks>
/// clinica's rule: stem = the whole-image tensor's name up to its last <c>_</c>, suffix = from there on; patch k is
/// <c>&lt;stem&gt;_patchsize-&lt;ps&gt;_stride-&lt;st&gt;_patch-&lt;k&gt;&lt;suffix&gt;</c>, which is also the name 0.2.1's training reads. For the
/// cropped t1-linear image of sub-01/ses-M00 at the defaults:
/// <c>sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_patchsize-50_stride-50_patch-0_T1w.pt</c>.
/// </remarks>
public static class PatchFiles
{
    /// <summary>The file of patch <paramref name="k"/> of a session cut with <paramref name="grid"/>.</summary>
    public static string Path(CapsLayout caps, string participantId, string sessionId, PatchGrid grid, int k)
    {
        string image = System.IO.Path.GetFileName(caps.ImageTensorPath(participantId, sessionId));
        int cut = image.LastIndexOf('_');
        string name = string.Create(CultureInfo.InvariantCulture, $"{image[..cut]}_patchsize-{grid.PatchSize}_stride-{grid.StrideSize}_patch-{k}{image[cut..]}");
        return System.IO.Path.Combine(caps.SessionFolder(participantId, sessionId), "deeplearning_prepare_data", "patch_based", "t1_linear", name);
    }
}
