using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Cli;

/// <summary>Top-level behaviour (verbs spec §2): -V, -l, -v, missing verbs and their exit codes.</summary>
public sealed class TopLevelTests : IDisposable
{
    private readonly TempDir dir = new("toplevel");

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Version_AloneOrBeforeACompleteVerb_PrintsTheVersionAndRunsNothing()
    {
        var r = CliRunner.Run("-V");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("clinicadl (ClinicaDL.NET) ", r.Output);
        string merged = dir.Combine("merged.tsv");
        File.WriteAllText(merged, "participant_id\tsession_id\tage_bl\nsub-A\tses-M00\t70\n");
        r = CliRunner.Run("-V", "tsvtool", "restrict", "OASIS", merged, dir.Combine("out.tsv"));
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("clinicadl (ClinicaDL.NET) ", r.Output);
        Assert.False(File.Exists(dir.Combine("out.tsv")));
        Assert.Equal(CliRunner.Run("--version").Output, r.Output);
    }

    [Fact]
    public void Version_BeforeAnIncompleteVerb_IsAUsageError()
    {
        var r = CliRunner.Run("-V", "tsvtool", "restrict");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("DATASET", r.Error);
        Assert.Equal("", r.Output);
    }

    [Theory]
    [InlineData(new string[0], "a verb is required")]
    [InlineData(new[] { "generate" }, "Required command was not provided")]
    [InlineData(new[] { "tsvtool" }, "Required command was not provided")]
    [InlineData(new[] { "quality-check" }, "Required command was not provided")]
    [InlineData(new[] { "tsvtool", "getlabels", "a", "b", "c", "--diagnoses", "XD" }, "--diagnoses: must be one of AD, BV, CN, MCI, sMCI, pMCI, not 'XD'")]
    public void MissingOrBadVerb_Exit2(string[] args, string fragment)
    {
        // 0.2.1: `clinicadl generate` without a type is an AttributeError traceback, exit 1 (V1).
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(fragment, r.Error);
    }

    [Fact]
    public void LognameAndVerbosity_AreAcceptedAroundTheNewVerbs()
    {
        string merged = dir.Combine("merged.tsv");
        File.WriteAllText(merged, "participant_id\tsession_id\tage_bl\nsub-A\tses-M00\t70\n");
        var r = CliRunner.Run("-l", "run.log", "tsvtool", "restrict", "OASIS", merged, dir.Combine("a.tsv"), "-v");
        Assert.True(r.ExitCode == 0, r.All);
        r = CliRunner.Run("tsvtool", "restrict", "-vv", "OASIS", merged, dir.Combine("b.tsv"), "--logname", "x.log");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.False(File.Exists("run.log"));
        Assert.False(File.Exists("x.log"));
    }
}
