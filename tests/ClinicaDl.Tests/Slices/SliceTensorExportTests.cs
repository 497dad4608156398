using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Outputs;
using ClinicaDl.Runs;
using ClinicaDl.Runs.Generate;
using ClinicaDl.Slices;
using ClinicaDl.Tests.Support;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Slices;

/// <summary>A trivial CAPS of 2 sessions, made once for the class.</summary>
public sealed class TinyCapsFixture : IDisposable
{
    private readonly TempDir dir = new("slice-caps");

    public TinyCapsFixture()
    {
        Caps = dir.Combine("caps");
        SyntheticCaps.Run(new GenerateOptions(GenerateMode.Trivial, Caps, NSubjects: 1, Seed: 2, Workers: 1));
        Sessions = SessionList.Scan(new CapsLayout(Caps))
            .Select(s => new Session(s.Participant, s.Session, null, -1, Session.SingleCohort, Caps)).ToList();
    }

    public string Caps { get; }

    public IReadOnlyList<Session> Sessions { get; }

    public void Dispose() => dir.Dispose();
}

public sealed class SliceTensorExportTests(TinyCapsFixture fixture) : IClassFixture<TinyCapsFixture>
{
    [Fact]
    public void Run_Rgb_WritesEverySlice_AndExtractedSlicesGiveTheSamePlanesAsOnTheFly()
    {
        var result = SliceTensorExport.Run(new ExtractSliceOptions(fixture.Caps, CapsLayout.T1Linear, SliceDirection.Axial, Overwrite: true, Workers: 1));
        Assert.Equal(2 * 179, result.Slices);
        var s = fixture.Sessions[0];
        Assert.True(File.Exists(s.Caps.ImageTensorPath(s.ParticipantId, s.SessionId)));
        using (NewDisposeScope())
            Assert.Equal(new long[] { 3, 169, 208 }, PyTorchFile.LoadTensor(SliceFiles.Path(s.Caps, s.ParticipantId, s.SessionId, SliceDirection.Axial, SliceMode.Rgb, 178)).shape);

        var range = SliceRange.From(SliceDirection.Axial, [80, 85]);
        int count = range.Count(CapsLayout.CroppedShape);
        var fly = new byte[count * SliceExtractor.PlaneSize];
        var extracted = new byte[fly.Length];
        new SliceSource(range, UseExtracted: false).Load(s, count, fly);
        new SliceSource(range, UseExtracted: true).Load(s, count, extracted);
        Assert.Equal(fly, extracted);
        Assert.Contains(fly, b => b > 0);
    }

    [Fact]
    public void Run_ExistingSlicesWithoutOverwrite_RefusesAndWritesNothing()
    {
        SliceTensorExport.Run(new ExtractSliceOptions(fixture.Caps, CapsLayout.T1Linear, SliceDirection.Coronal, SliceMode.Single, Overwrite: true, Workers: 1));
        var s = fixture.Sessions[1];
        string first = SliceFiles.Path(s.Caps, s.ParticipantId, s.SessionId, SliceDirection.Coronal, SliceMode.Single, 0);
        var stamp = File.GetLastWriteTimeUtc(first);
        var e = Assert.Throws<OutputFolderException>(() =>
            SliceTensorExport.Run(new ExtractSliceOptions(fixture.Caps, CapsLayout.T1Linear, SliceDirection.Coronal, SliceMode.Single, Workers: 1)));
        Assert.Contains("--overwrite", e.Message);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(first));
        using (NewDisposeScope())
            Assert.Equal(new long[] { 1, 169, 179 }, PyTorchFile.LoadTensor(first).shape);
    }

    [Fact]
    public void SliceSource_ExtractedFileMissing_NamesIt()
    {
        using var empty = new TempDir();
        var range = SliceRange.From(SliceDirection.Sagittal, [20]);
        var s = new Session("sub-01", "ses-M00", null, -1, Session.SingleCohort, empty.Path);
        string expected = SliceFiles.Path(s.Caps, s.ParticipantId, s.SessionId, SliceDirection.Sagittal, SliceMode.Rgb, 20);
        var e = Assert.ThrowsAny<ClinicaDlException>(() => new SliceSource(range, true).Load(s, 129, new byte[129 * SliceExtractor.PlaneSize]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void CheckExtracted_NamesTheFirstMissingFile_CountsTheOthers_AndGivesTheCommand()
    {
        using var dir = new TempDir();
        var range = SliceRange.From(SliceDirection.Coronal, [3]);
        var sessions = new[] { new Session("sub-01", "ses-M00", null, 0, Session.SingleCohort, dir.Path), new Session("sub-02", "ses-M00", null, 1, Session.SingleCohort, dir.Path) };
        var source = new SliceSource(range, UseExtracted: true);
        // sub-01 has slices 0..9 (L = 10, used 3..6); sub-02 lacks slice 5 and 6.
        for (int i = 0; i < 10; i++) Touch(source.ExtractedFile(sessions[0], i));
        foreach (int i in new[] { 3, 4 }) Touch(source.ExtractedFile(sessions[1], i));
        Assert.Equal(10, source.CountExtracted(sessions[0]));
        Assert.Equal(0, source.CountExtracted(sessions[1])); // no slice 0
        source.CheckExtracted(sessions[..1], range.Count([20, 10, 20]));
        var e = Assert.Throws<CapsLayoutException>(() => source.CheckExtracted(sessions, range.Count([20, 10, 20])));
        Assert.Equal(source.ExtractedFile(sessions[1], 5), e.Path);
        Assert.Contains("1 other used slice tensor(s) are missing too", e.Message);
        Assert.Contains($"clinicadl extract slice {dir.Path} t1-linear -sd 1", e.Message);
        Assert.True(e.IsInputError);
    }

    private static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
    }

    [Fact]
    public void ToInput_ThreeIdenticalChannels_OfTheBytesOver255()
    {
        var plane = new byte[SliceExtractor.PlaneSize];
        for (int i = 0; i < plane.Length; i++) plane[i] = (byte)(i * 7);
        var input = new float[SliceExtractor.InputSize];
        SliceExtractor.ToInput(plane, input);
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < plane.Length; i += 997)
                Assert.Equal(plane[i] / 255f, input[c * plane.Length + i]);
        Assert.Throws<ArgumentException>(() => SliceExtractor.ToInput(plane, new float[SliceExtractor.PlaneSize]));
    }

    [Fact]
    public void Path_IsClinicasName()
    {
        var caps = new CapsLayout("/c");
        Assert.Equal("/c/subjects/sub-01/ses-M00/deeplearning_prepare_data/slice_based/t1_linear/sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_axis-sag_channel-rgb_slice-20_T1w.pt",
            SliceFiles.Path(caps, "sub-01", "ses-M00", SliceDirection.Sagittal, SliceMode.Rgb, 20));
        Assert.EndsWith("_axis-axi_channel-single_slice-7_T1w.pt", SliceFiles.Path(caps, "sub-01", "ses-M00", SliceDirection.Axial, SliceMode.Single, 7));
    }

    /// <summary>clinica v0.4.0's save_as_pt and extract_slices (rgb), as spec §6.3 describes them.</summary>
    [PythonFact("torch", "nibabel")]
    public void Run_FilesEqualClinicasExtraction()
    {
        SliceTensorExport.Run(new ExtractSliceOptions(fixture.Caps, CapsLayout.T1Linear, SliceDirection.Sagittal, Overwrite: true, Workers: 1));
        var s = fixture.Sessions[0];
        string output = Python.Run("""
            import sys, torch, nibabel as nib
            nifti, image_pt, stem = sys.argv[1:4]
            image = torch.from_numpy(nib.load(nifti).get_fdata()).unsqueeze(0).float()
            assert torch.equal(torch.load(image_pt), image)
            for i in (0, 20, 84, 168):
                s = image[0, i, :, :].clone()
                rgb = torch.stack((s, s, s))
                rgb = (rgb - rgb.min()) / (rgb.max() - rgb.min())
                got = torch.load(stem.replace("SLICE", str(i)))
                assert got.shape == (3, 208, 179) and got.dtype == torch.float32
                assert torch.equal(got, rgb), (i, (got - rgb).abs().max())
            print("ok")
            """, s.Caps.ImagePath(s.ParticipantId, s.SessionId), s.Caps.ImageTensorPath(s.ParticipantId, s.SessionId),
            SliceFiles.Path(s.Caps, s.ParticipantId, s.SessionId, SliceDirection.Sagittal, SliceMode.Rgb, 0).Replace("slice-0_", "slice-SLICE_"));
        Assert.Equal("ok", output.Trim());
    }
}
