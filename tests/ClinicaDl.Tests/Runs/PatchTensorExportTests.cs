using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Runs;
using ClinicaDl.Tests.Slices;
using ClinicaDl.Tests.Support;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Runs;

/// <summary><c>extract patch</c> and the patch mode's elements (cut on the fly, or read from extracted tensors).</summary>
public sealed class PatchTensorExportTests(TinyCapsFixture fixture) : IClassFixture<TinyCapsFixture>
{
    private static readonly int[] Shape = CapsLayout.CroppedShape;

    private static float[][] Load(PatchElements set, Session session)
    {
        var buffers = Enumerable.Range(0, set.Count).Select(k => new float[set.Length(k)]).ToArray();
        set.Load(session, buffers.Select(b => b.AsMemory()).ToArray());
        return buffers;
    }

    private static PatchElements Set(PatchGrid grid, bool normalise, bool extracted) => new(grid, Shape, normalise, extracted);

    [Fact]
    public void Run_Defaults_WritesEveryPatchAndTheImage_AndBothSourcesGiveTheSamePatches()
    {
        var result = PatchTensorExport.Run(new ExtractPatchOptions(fixture.Caps, CapsLayout.T1Linear, Workers: 1, Overwrite: true));
        Assert.Equal(new ExtractPatchResult(72, 36, result.Images, result.Coverage), result);
        Assert.Equal(0.715, result.Coverage, 3);
        var s = fixture.Sessions[1];
        Assert.True(File.Exists(s.Caps.ImageTensorPath(s.ParticipantId, s.SessionId)));
        var grid = PatchGrid.Default;
        using (NewDisposeScope())
        {
            var last = PyTorchFile.LoadTensor(PatchFiles.Path(s.Caps, s.ParticipantId, s.SessionId, grid, 35));
            Assert.Equal(new long[] { 1, 50, 50, 50 }, last.shape);
            Assert.Equal(ScalarType.Float32, last.dtype);
        }
        Assert.False(File.Exists(PatchFiles.Path(s.Caps, s.ParticipantId, s.SessionId, grid, 36)));

        // Raw patch 13 (origin (50, 0, 50)) holds voxel (50 + x, y, 50 + z) at [x, y, z].
        var (image, _) = CapsImages.ReadImage(s.Caps.ImagePath(s.ParticipantId, s.SessionId));
        var raw = Load(Set(grid, normalise: false, extracted: true), s);
        foreach (var (x, y, z) in new[] { (0, 0, 0), (49, 49, 49), (7, 30, 12), (25, 25, 25) })
            Assert.Equal(image[50 + x + 169 * (y + 208 * (50 + z))], raw[13][(x * 50 + y) * 50 + z]);
        Assert.Equal(Load(Set(grid, normalise: false, extracted: false), s), raw);

        // Normalised, as training caches them: identical whichever source.
        var fly = Load(Set(grid, normalise: true, extracted: false), s);
        Assert.Equal(fly, Load(Set(grid, normalise: true, extracted: true), s));
        Assert.Contains(fly.SelectMany(p => p), v => v > 0.5f);
        Assert.Equal([50, 0, 50], Set(grid, true, true).Origin(13)!);
    }

    [Fact]
    public void Run_ExistingPatchesWithoutOverwrite_RefusesAndWritesNothing()
    {
        var grid = new PatchGrid(60, 100);
        PatchTensorExport.Run(new ExtractPatchOptions(fixture.Caps, CapsLayout.T1Linear, 60, 100, Workers: 1, Overwrite: true));
        var s = fixture.Sessions[0];
        string first = PatchFiles.Path(s.Caps, s.ParticipantId, s.SessionId, grid, 0);
        var stamp = File.GetLastWriteTimeUtc(first);
        var e = Assert.Throws<OutputFolderException>(() => PatchTensorExport.Run(new ExtractPatchOptions(fixture.Caps, CapsLayout.T1Linear, 60, 100, Workers: 1)));
        Assert.Contains(first, e.Message);
        Assert.Contains("--overwrite", e.Message);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(first));
    }

    [Theory]
    [InlineData("--stride_size", "0", "-ss/--stride_size: must be an integer ≥ 1")]
    [InlineData("-ss", "-5", "-ss/--stride_size: must be an integer ≥ 1")]
    [InlineData("--patch_size", "170", "-ps/--patch_size: must be an integer in 1..169")]
    [InlineData("-ps", "0", "-ps/--patch_size: must be an integer in 1..169")]
    public void Cli_BadPatchOptions_Exit2_NamingTheOption_WritingNothing(string option, string value, string message)
    {
        using var dir = new TempDir("patch-bad");
        string caps = dir.Combine("caps");
        Directory.CreateDirectory(Path.Combine(caps, "subjects"));
        var r = CliRunner.Run("extract", "patch", caps, "t1-linear", option, value);
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains(message, r.Error);
        Assert.Single(r.Error.Trim().Split('\n'));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(caps, "subjects")));
    }

    [Fact]
    public void CheckExtracted_MissingFile_NamesTheFirstAndTheExtractCommand()
    {
        var grid = new PatchGrid(55, 77);
        var e = Assert.Throws<CapsLayoutException>(() => Set(grid, true, true).CheckExtracted(fixture.Sessions));
        var s = fixture.Sessions[0];
        Assert.Equal(PatchFiles.Path(s.Caps, s.ParticipantId, s.SessionId, grid, 0), e.Path);
        Assert.Contains($"clinicadl extract patch {fixture.Caps} t1-linear --patch_size 55 --stride_size 77", e.Message);
    }

    [Fact]
    public void PatchElements_ExtractedOfTheWrongShape_NamesTheFile()
    {
        var grid = new PatchGrid(48, 150);
        var s = fixture.Sessions[0];
        string path = PatchFiles.Path(s.Caps, s.ParticipantId, s.SessionId, grid, 0);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (NewDisposeScope())
            PyTorchFile.SaveTensor(path, zeros(1, 50, 50, 50));
        var e = Assert.Throws<CheckpointException>(() => Load(Set(grid, true, true), s));
        Assert.Equal(path, e.Path);
        Assert.Contains("(1, 48, 48, 48)", e.Message);
    }

    [Fact]
    public void Path_IsClinicasName()
    {
        Assert.Equal("/c/subjects/sub-01/ses-M00/deeplearning_prepare_data/patch_based/t1_linear/sub-01_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_patchsize-50_stride-50_patch-0_T1w.pt",
            PatchFiles.Path(new CapsLayout("/c"), "sub-01", "ses-M00", PatchGrid.Default, 0));
        Assert.EndsWith("_res-1x1x1_patchsize-32_stride-25_patch-149_T1w.pt", PatchFiles.Path(new CapsLayout("/c"), "sub-01", "ses-M00", new PatchGrid(32, 25), 149));
    }

    /// <summary>clinica v0.4.0's extract_patches (spec §6.3): <c>Tensor.unfold</c> on the image that <c>save_as_pt</c> gives.</summary>
    [PythonFact("torch", "nibabel")]
    public void Run_FilesEqualPyTorchUnfold()
    {
        PatchTensorExport.Run(new ExtractPatchOptions(fixture.Caps, CapsLayout.T1Linear, 32, 40, Workers: 1, Overwrite: true));
        var s = fixture.Sessions[0];
        string output = Python.Run("""
            import sys, torch, nibabel as nib
            nifti, image_pt, pattern = sys.argv[1:4]
            image = torch.from_numpy(nib.load(nifti).get_fdata()).unsqueeze(0).float()
            assert torch.equal(torch.load(image_pt), image)
            ps, st = 32, 40
            patches = image.unfold(1, ps, st).unfold(2, ps, st).unfold(3, ps, st).contiguous().view(-1, ps, ps, ps)
            for k in range(patches.shape[0]):
                got = torch.load(pattern.replace("PATCH", str(k)))
                assert got.shape == (1, ps, ps, ps) and got.dtype == torch.float32, (k, got.shape, got.dtype)
                assert torch.equal(got, patches[k].unsqueeze(0)), k
            try:
                torch.load(pattern.replace("PATCH", str(patches.shape[0])))
                print("one file too many")
            except FileNotFoundError:
                print(patches.shape[0])
            """, s.Caps.ImagePath(s.ParticipantId, s.SessionId), s.Caps.ImageTensorPath(s.ParticipantId, s.SessionId),
            PatchFiles.Path(s.Caps, s.ParticipantId, s.SessionId, new PatchGrid(32, 40), 0).Replace("patch-0_", "patch-PATCH_"));
        Assert.Equal("80", output.Trim()); // (4, 5, 4) patches of 32 at stride 40 on 169×208×179
    }
}
