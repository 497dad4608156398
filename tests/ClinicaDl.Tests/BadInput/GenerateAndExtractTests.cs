using ClinicaDl.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.BadInput;

/// <summary>
/// <c>generate</c> and <c>extract roi</c> against every folder a user can point them at and every image a clinic's pipeline
/// can hand them: an OUTPUT_DIR that is, holds or lies inside an input is refused before anything is written;
/// <c>--overwrite</c> deletes only what generate wrote; an image off the grid, corrupt or non-finite, and a full disk, end
/// in one line and leave the CAPS as it was.
/// </summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class GenerateAndExtractTests(SyntheticCapsFixture data)
{
    private const string Box = "rightHippocampusBox";

    public sealed record Overlap(string Name, Func<string, string, string[]> Args, string Fragment)
    {
        public override string ToString() => Name;
    }

    private static string[] Generate(string output, params string[] extra) => ["generate", "trivial", output, "--n_subjects", "2", "-np", "1", .. extra];

    public static TheoryData<Overlap> Overlaps => new()
    {
        new("OUTPUT_DIR is --caps_dir, with --overwrite", (root, caps) => Generate(caps, "--caps_dir", caps, "--overwrite"), "is --caps_dir"),
        new("OUTPUT_DIR is --caps_dir spelt another way", (root, caps) => Generate(caps + "/../caps/", "--caps_dir", caps, "--overwrite"), "is --caps_dir"),
        new("OUTPUT_DIR is a link to --caps_dir", (root, caps) => { File.CreateSymbolicLink(Path.Combine(root, "link"), caps); return Generate(Path.Combine(root, "link"), "--caps_dir", caps, "--overwrite"); }, "is --caps_dir"),
        new("OUTPUT_DIR inside --caps_dir", (root, caps) => Generate(Path.Combine(caps, "synthetic"), "--caps_dir", caps), "lies inside --caps_dir"),
        new("OUTPUT_DIR holds --caps_dir", (root, caps) => Generate(root, "--caps_dir", caps, "--overwrite"), "holds --caps_dir"),
        new("OUTPUT_DIR is --mask_path", (root, caps) => Generate(caps, "--mask_path", caps, "--overwrite"), "is --mask_path"),
        new("OUTPUT_DIR holds --subjects_sessions_tsv", (root, caps) => Generate(root, "--caps_dir", caps, "-tsv", Path.Combine(caps, "data.tsv"), "--overwrite"), "holds --caps_dir"),
        new("--subjects_sessions_tsv inside OUTPUT_DIR", (root, caps) => { string o = Path.Combine(root, "o"); Directory.CreateDirectory(o); File.Copy(Path.Combine(caps, "data.tsv"), Path.Combine(o, "list.tsv")); return Generate(o, "--caps_dir", caps, "-tsv", Path.Combine(o, "list.tsv"), "--overwrite"); }, "holds --subjects_sessions_tsv"),
    };

    [Theory]
    [MemberData(nameof(Overlaps))]
    public void Generate_OutputOverlappingAnInput_IsRefused_AndNothingChanges(Overlap c)
    {
        var env = BadInputTests.Prepare(data, "overlap");
        string root = Path.GetDirectoryName(env.Caps)!;
        var args = c.Args(root, env.Caps);
        var before = BadInputTests.Snapshot(root, "\0");
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: clinicadl {string.Join(" ", args)}\n{r.All}");
        Assert.Contains(c.Fragment, r.Error);
        Assert.DoesNotContain("internal error", r.Error);
        Assert.Equal(before, BadInputTests.Snapshot(root, "\0"));
    }

    [Fact]
    public void Generate_Overwrite_DeletesOnlyWhatGenerateWrote()
    {
        string output = data.NewOutput("regenerate");
        Assert.Equal(0, CliRunner.Run(Generate(output)).ExitCode); // sub-TRIV0..3
        string[] foreign =
        [
            Path.Combine(output, "notes.txt"),
            Path.Combine(output, "labels", "train_splits-2", "split-0", "AD.tsv"),
            Path.Combine(output, "subjects", "sub-TRIV3", "ses-M00", "deeplearning_prepare_data", "roi_based", "t1_linear", "x.pt"),
        ];
        foreach (string f in foreign)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(f)!);
            File.WriteAllText(f, "the user's");
        }
        var r = CliRunner.Run(["generate", "trivial", output, "--n_subjects", "1", "-np", "1", "--overwrite"]); // sub-TRIV0..1
        Assert.True(r.ExitCode == 0, r.All);
        foreach (string f in foreign) Assert.Equal("the user's", File.ReadAllText(f));
        Assert.Contains("kept 2 file(s)", r.Error); // notes.txt is outside generate's folders: not even looked at
        Assert.False(Directory.Exists(Path.Combine(output, "subjects", "sub-TRIV2")), "an image of the earlier data set was left");
        Assert.False(File.Exists(new ClinicaDl.Caps.CapsLayout(output).ImagePath("sub-TRIV3", "ses-M00")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "data.tsv")).Length);
    }

    [Fact]
    public void Generate_SourceOffTheGrid_IsRefusedBeforeOutputExists()
    {
        var env = BadInputTests.Prepare(data, "gen-offgrid");
        string image = env.Image(Participants(env)[0]);
        File.Delete(image);
        NiftiWriter.Write(image, [100, 100, 100], new float[1_000_000], Affine.Identity);
        string output = data.NewOutput("gen-offgrid-out");
        var r = CliRunner.Run(Generate(output, "--caps_dir", env.Caps));
        Assert.True(r.ExitCode == 2, r.All);
        Assert.Contains("the cropped t1-linear grid is 169×208×179", r.Error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Extract_ImageOffTheGrid_IsRefused_AndWritesNothing()
    {
        var env = BadInputTests.Prepare(data, "extract-offgrid");
        string image = env.Image(Participants(env)[^1]);
        File.Delete(image);
        NiftiWriter.Write(image, [100, 100, 100], new float[1_000_000], Affine.Identity);
        ExpectRefusedExtraction(env, 2, "the cropped t1-linear grid is 169×208×179");
    }

    public static TheoryData<string, string> BrokenImages => new()
    {
        { "NaN", "NaN or infinite" }, { "+Inf", "NaN or infinite" }, { "-Inf", "NaN or infinite" }, { "corrupt body", "NIfTI field" },
    };

    [Theory]
    [MemberData(nameof(BrokenImages))]
    public void Extract_BrokenImage_FoundWhenDecoded_WritesNoTensor(string kind, string fragment)
    {
        var env = BadInputTests.Prepare(data, "extract-broken");
        // The last session: with -np 1 every other session is cut before it, so partial output would show.
        string image = env.Image(Participants(env)[^1]);
        if (kind == "corrupt body") CorruptBody(image);
        else SetVoxel(image, 109, 96, 68, kind == "NaN" ? float.NaN : kind == "+Inf" ? float.PositiveInfinity : float.NegativeInfinity);
        ExpectRefusedExtraction(env, 2, fragment);
    }

    [Fact]
    public void Extract_FullDisk_StopsInOneLine_AndLeavesNoTensor()
    {
        if (!Privileges.Available()) return;
        var env = BadInputTests.Prepare(data, "extract-full");
        using var disk = new Privileges.TmpFs(data.NewOutput("extract-tmpfs"), "64m");
        // The CAPS on the small disk: its images and masks fill it but for about 1 MB (two 50³ tensors of 500 kB).
        string caps = Path.Combine(disk.Path, "caps");
        Privileges.Sh($"cp -rL '{env.Caps}' '{caps}'");
        long used = Directory.GetFiles(caps, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        disk.Resize($"{(used + 1_200_000) / 1024}k");
        var before = BadInputTests.Snapshot(caps, "\0");
        var r = CliRunner.Run("extract", "roi", caps, "t1-linear", "--roi_list", Box, "-np", "1");
        Assert.True(r.ExitCode == 1, r.All);
        Assert.Contains("could not be written", r.Error);
        Assert.DoesNotContain("internal error", r.Error);
        Assert.Single(r.Error.Trim().Split('\n'));
        Assert.Equal(before, BadInputTests.Snapshot(caps, "\0"));
    }

    [Fact]
    public void Generate_FullDisk_StopsInOneLineNamingTheFile()
    {
        if (!Privileges.Available()) return;
        using var disk = new Privileges.TmpFs(data.NewOutput("generate-tmpfs"), "3m");
        string output = Path.Combine(disk.Path, "synthetic");
        var r = CliRunner.Run(Generate(output));
        Assert.True(r.ExitCode == 1, r.All);
        Assert.Contains("could not be written", r.Error);
        Assert.Contains(output, r.Error);
        Assert.DoesNotContain("internal error", r.Error);
        Assert.Single(r.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Generate_UnreadableSourceImage_AsAnotherUser_IsRefusedInOneLine()
    {
        if (!Privileges.Available()) return;
        string root = data.NewOutput("gen-unreadable");
        string caps = Path.Combine(root, "caps");
        Privileges.Sh($"mkdir -p '{root}' && cp -r '{data.Caps}' '{caps}' && chmod 0777 '{root}'");
        var layout = new ClinicaDl.Caps.CapsLayout(caps);
        Privileges.Sh($"chmod 0600 '{layout.ImagePath("sub-TRIV0", "ses-M00")}'");
        using var child = new ChildProcess(null, Privileges.Nobody, Generate(Path.Combine(root, "out"), "--caps_dir", caps));
        int code = child.WaitForExit(TimeSpan.FromMinutes(2));
        Assert.True(code == 2, $"exit {code}\n{child.Output}");
        Assert.Contains("sub-TRIV0", child.Output);
        Assert.Contains("cannot be read", child.Output);
        Assert.DoesNotContain("   at ", child.Output);
        Assert.False(Directory.Exists(Path.Combine(root, "out")));
    }

    private static void ExpectRefusedExtraction(BadInputTests.Env env, int code, string fragment)
    {
        var before = BadInputTests.Snapshot(env.Caps, "\0");
        var r = CliRunner.Run("extract", "roi", env.Caps, "t1-linear", "--roi_list", Box, "-np", "1");
        Assert.True(r.ExitCode == code, $"exit {r.ExitCode}\n{r.All}");
        Assert.True(r.Error.Contains(fragment, StringComparison.Ordinal), r.Error);
        Assert.DoesNotContain("internal error", r.Error);
        Assert.Equal(before, BadInputTests.Snapshot(env.Caps, "\0"));
    }

    private static IReadOnlyList<string> Participants(BadInputTests.Env env)
        => Directory.GetDirectories(Path.Combine(env.Caps, "subjects")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    /// <summary>Replaces the linked image by a copy with one voxel set to <paramref name="value"/>.</summary>
    internal static void SetVoxel(string image, int i, int j, int k, float value)
    {
        var nifti = NiftiReader.Read(image);
        var voxels = (float[])nifti.Data.Clone();
        voxels[i + nifti.Shape[0] * (j + nifti.Shape[1] * k)] = value;
        File.Delete(image);
        NiftiWriter.Write(image, new NiftiImage(nifti.Shape, voxels, nifti.Affine));
    }

    /// <summary>Flips bytes in the middle of the compressed stream; the gzip trailer (and so the header check) still agrees.</summary>
    private static void CorruptBody(string image)
    {
        byte[] bytes = File.ReadAllBytes(image);
        for (int b = bytes.Length / 2; b < bytes.Length / 2 + 64; b++) bytes[b] ^= 0x5A;
        File.Delete(image);
        File.WriteAllBytes(image, bytes);
    }
}
