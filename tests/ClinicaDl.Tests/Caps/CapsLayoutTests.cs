using ClinicaDl.Caps;

namespace ClinicaDl.Tests.Caps;

public sealed class CapsLayoutTests
{
    private readonly CapsLayout caps = new("/caps");

    [Fact]
    public void ImagePath_Cropped_IsClinicaName()
        => Assert.Equal("/caps/subjects/sub-01/ses-M00/t1_linear/sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz",
            caps.ImagePath("sub-01", "ses-M00"));

    [Fact]
    public void ImagePath_Uncropped_HasNoDesc()
        => Assert.Equal("/caps/subjects/sub-01/ses-M00/t1_linear/sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_res-1x1x1_T1w.nii.gz",
            caps.ImagePath("sub-01", "ses-M00", cropped: false));

    [Fact]
    public void ImageTensorPath_IsExtractTensorName()
        => Assert.Equal("/caps/subjects/sub-01/ses-M00/deeplearning_prepare_data/image_based/t1_linear/sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.pt",
            caps.ImageTensorPath("sub-01", "ses-M00"));

    [Fact]
    public void MaskPath_IsSpecName()
        => Assert.Equal("/caps/masks/roi_based/tpl-MNI152NLin2009cSym/tpl-MNI152NLin2009cSym_desc-Crop_res-1x1x1_roi-leftHippocampusBox_mask.nii.gz",
            caps.MaskPath("leftHippocampusBox"));

    [Theory]
    [InlineData(false, "sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_desc-CropRoi_res-1x1x1_roi-hippo_T1w.pt")]
    [InlineData(true, "sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_desc-CropImage_res-1x1x1_roi-hippo_T1w.pt")]
    public void RoiTensorName_FollowsSpecRule(bool uncropped, string expected)
        => Assert.Equal(expected, CapsLayout.RoiTensorName("sub-01", "ses-M00", "hippo", uncropped));

    [Fact]
    public void RoiTensorPath_IsUnderRoiBased()
        => Assert.StartsWith("/caps/subjects/sub-01/ses-M00/deeplearning_prepare_data/roi_based/t1_linear/", caps.RoiTensorPath("sub-01", "ses-M00", "hippo"));

    [Theory]
    [InlineData("../x", "ses-M00")]
    [InlineData("/etc", "ses-M00")]
    [InlineData("sub-01/..", "ses-M00")]
    [InlineData("sub-01", "ses-M00/../..")]
    [InlineData("sub-a b", "ses-M00")]
    public void ImagePath_IdentifierWithPathParts_IsRefused(string participant, string session)
        => Assert.Throws<ArgumentException>(() => caps.ImagePath(participant, session));

    [Theory]
    [InlineData("../evil")]
    [InlineData("/abs")]
    [InlineData("a/b")]
    public void MaskPath_RoiNameWithPathParts_IsRefused(string roi)
        => Assert.Throws<ArgumentException>(() => caps.MaskPath(roi));

    [Theory]
    [InlineData("ses-M00", 0)]
    [InlineData("ses-M12", 12)]
    [InlineData("ses-M006", 6)]
    [InlineData("ses-baseline", null)]
    public void SessionMonth_ParsesMonths(string session, int? expected)
        => Assert.Equal(expected, BidsLabel.SessionMonth(session));
}
