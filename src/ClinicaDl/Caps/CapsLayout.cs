namespace ClinicaDl.Caps;

/// <summary>Paths of the t1-linear CAPS files that ClinicaDL reads and writes (spec §2).</summary>
/// <remarks>
/// File names are built as <c>&lt;participant&gt;_&lt;session&gt;</c> plus a fixed suffix, as ClinicaDL does
/// (no <c>acq-</c>/<c>run-</c> entities). Identifiers must pass <see cref="BidsLabel"/> first: every
/// method here checks them so that no path can leave the CAPS.
/// </remarks>
public sealed record CapsLayout(string Root)
{
    /// <summary>The preprocessing name accepted on the command line.</summary>
    public const string T1Linear = "t1-linear";

    /// <summary>The template of the t1-linear grid.</summary>
    public const string Template = "MNI152NLin2009cSym";

    /// <summary>Matrix size of the cropped t1-linear image.</summary>
    public static readonly int[] CroppedShape = [169, 208, 179];

    /// <summary>Matrix size of the uncropped t1-linear image (the MNI152NLin2009cSym 1 mm grid).</summary>
    public static readonly int[] UncroppedShape = [193, 229, 193];

    private const string CroppedStem = "_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w";
    private const string UncroppedStem = "_T1w_space-MNI152NLin2009cSym_res-1x1x1_T1w";

    /// <summary>The session folder <c>subjects/&lt;p&gt;/&lt;s&gt;</c>.</summary>
    public string SessionFolder(string participantId, string sessionId)
    {
        CheckIds(participantId, sessionId);
        return Path.Combine(Root, "subjects", participantId, sessionId);
    }

    /// <summary>The t1-linear NIfTI image (spec §2.1), cropped (169×208×179) unless <paramref name="cropped"/> is false.</summary>
    public string ImagePath(string participantId, string sessionId, bool cropped = true)
        => Path.Combine(SessionFolder(participantId, sessionId), "t1_linear",
            $"{participantId}_{sessionId}{(cropped ? CroppedStem : UncroppedStem)}.nii.gz");

    /// <summary>The whole-image tensor of <c>extract-tensor ... image</c> (spec §2.2, modes §6.3); training reads the cropped one.</summary>
    public string ImageTensorPath(string participantId, string sessionId, bool cropped = true)
        => Path.Combine(SessionFolder(participantId, sessionId), "deeplearning_prepare_data", "image_based", "t1_linear",
            $"{participantId}_{sessionId}{(cropped ? CroppedStem : UncroppedStem)}.pt");

    /// <summary>The folder of the ROI masks (spec §2.3).</summary>
    public string MasksFolder => Path.Combine(Root, "masks", "roi_based", $"tpl-{Template}");

    /// <summary>The mask of ROI <paramref name="roiName"/> on the cropped grid (spec §2.3).</summary>
    public string MaskPath(string roiName)
    {
        CheckRoi(roiName);
        return Path.Combine(MasksFolder, $"tpl-{Template}_desc-Crop_res-1x1x1_roi-{roiName}_mask.nii.gz");
    }

    /// <summary>The pre-extracted ROI tensor of spec §2.4 (<c>desc-CropRoi</c>, or <c>desc-CropImage</c> when uncropped).</summary>
    public string RoiTensorPath(string participantId, string sessionId, string roiName, bool uncropped = false)
    {
        CheckRoi(roiName);
        return Path.Combine(SessionFolder(participantId, sessionId), "deeplearning_prepare_data", "roi_based", "t1_linear",
            RoiTensorName(participantId, sessionId, roiName, uncropped));
    }

    /// <summary>The file name of spec §2.4, derived from the whole-image tensor name by ClinicaDL's rule.</summary>
    public static string RoiTensorName(string participantId, string sessionId, string roiName, bool uncropped)
    {
        // Spec §2.4: split on "_", drop "desc-Crop", insert the new desc after every part containing
        // "space", join, drop the trailing "_T1w.pt" and append "_roi-<roi>_T1w.pt".
        string imageName = $"{participantId}_{sessionId}{CroppedStem}.pt";
        var parts = new List<string>();
        string desc = uncropped ? "desc-CropImage" : "desc-CropRoi";
        foreach (string part in imageName.Split('_'))
        {
            if (part == "desc-Crop") continue;
            parts.Add(part);
            if (part.Contains("space", StringComparison.Ordinal)) parts.Add(desc);
        }
        string joined = string.Join("_", parts);
        return joined[..^7] + $"_roi-{roiName}_T1w.pt";
    }

    private static void CheckIds(string participantId, string sessionId)
    {
        if (!BidsLabel.IsParticipantId(participantId))
            throw new ArgumentException($"participant_id \"{participantId}\" is not a BIDS label (sub-<letters and digits>).", nameof(participantId));
        if (!BidsLabel.IsSessionId(sessionId))
            throw new ArgumentException($"session_id \"{sessionId}\" is not a BIDS label (ses-<letters and digits>).", nameof(sessionId));
    }

    private static void CheckRoi(string roiName)
    {
        if (!BidsLabel.IsLabel(roiName))
            throw new ArgumentException($"ROI name \"{roiName}\" must be letters and digits only.", nameof(roiName));
    }
}
