using ClinicaDl.Caps;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.BadInput;

/// <summary><c>train image</c> refuses, before anything is written and with exit code 2, what it cannot train.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class TrainImageBadInputTests(SyntheticCapsFixture data)
{
    private (CliRunner.Result Result, string Output) Run(string network, string model, string? caps = null, params string[] extra)
    {
        string output = data.NewOutput("bad-image");
        var r = CliRunner.Run(["train", "image", network, caps ?? data.Caps, "t1-linear", data.Labels, output, model, "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "1", "--threads", "1", .. extra]);
        return (r, output);
    }

    private static void Refused((CliRunner.Result Result, string Output) run, params string[] expected)
    {
        Assert.True(run.Result.ExitCode == 2, run.Result.All);
        foreach (var e in expected) Assert.Contains(e, run.Result.Error);
        Assert.False(Directory.Exists(run.Output));
    }

    [Fact]
    public void ModelThatDoesNotFitTheImages_IsRefusedNamingModelAndShape()
        => Refused(Run("cnn", "Conv5_FC3_mni"), "MODEL: Conv5_FC3_mni does not fit 169×208×179 images", "97–128 × 129–160 × 97–128");

    [Fact]
    public void UnknownModel_IsRefused() => Refused(Run("cnn", "Conv7_FC3"), "MODEL");

    [Fact]
    public void MultiCnn_IsNotAnImageNetwork() => Assert.Equal(2, Run("multicnn", "Conv5_FC3").Result.ExitCode);

    [Theory]
    [InlineData("--selection_threshold", "0.5")]
    [InlineData("--roi_list", "a")]
    [InlineData("--visualization", null)]
    public void OptionsOfOtherModesOrNetworks_AreRefused(string option, string? value)
        => Refused(Run("cnn", "Conv5_FC3", null, value is null ? [option] : [option, value]), option);

    [Fact]
    public void ImageOnAnotherGrid_IsRefusedNamingTheFileAndItsShape()
    {
        string caps = data.CopyCaps("other-grid");
        string path = new CapsLayout(caps).ImagePath("sub-TRIV1", "ses-M00");
        File.Delete(path);
        NiftiWriter.Write(path, new NiftiImage([100, 100, 100], new float[100 * 100 * 100], Affine.Identity));
        Refused(Run("cnn", "Conv5_FC3", caps), path, "100×100×100", "169×208×179");
    }
}
