using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Tsv;

/// <summary><c>tsvtool restrict AIBL|OASIS</c> end to end (spec §5.2).</summary>
public sealed class MergedTsvRestrictionTests : IDisposable
{
    private readonly TempDir dir = new("restrict");

    public void Dispose() => dir.Dispose();

    private string Write(string text)
    {
        string path = dir.Combine("merged.tsv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Aibl_RemovesParticipantsWithoutAnyDate_AndPutsTheIndexFirst()
    {
        string merged = Write(
            "age\tparticipant_id\tsession_id\texamination_date\tMMSE\n" +
            "70\tsub-A\tses-M00\t-4\t28\n" + "70\tsub-A\tses-M18\t-4\t27\n" +
            "71\tsub-B\tses-M00\t-4\t29\n" + "71\tsub-B\tses-M18\t2010-01-05\tNA\n" +
            "72\tsub-C\tses-M00\t\t30\n" + "72\tsub-C\tses-M18\t-4\t30\n");
        string output = dir.Combine("new", "aibl.tsv");
        var r = CliRunner.Run("tsvtool", "restrict", "AIBL", merged, output);
        Assert.True(r.ExitCode == 0, r.All);
        // pandas' spelling: MMSE has a missing value, so it is written as floats; an empty date is kept.
        Assert.Equal(
            "participant_id\tsession_id\tage\texamination_date\tMMSE\n" +
            "sub-B\tses-M00\t71\t-4\t29.0\n" + "sub-B\tses-M18\t71\t2010-01-05\t\n" +
            "sub-C\tses-M00\t72\t\t30.0\n" + "sub-C\tses-M18\t72\t-4\t30.0\n", File.ReadAllText(output));
        Assert.Contains("4 of 6 rows kept", r.Output);
    }

    [Fact]
    public void Aibl_NumericDates_DoNotCrash()
    {
        // 0.2.1: AttributeError when pandas parses the column as numbers (V17).
        string merged = Write("participant_id\tsession_id\texamination_date\nsub-A\tses-M00\t-4\nsub-B\tses-M00\t20100105\n");
        string output = dir.Combine("aibl.tsv");
        Assert.Equal(0, CliRunner.Run("tsvtool", "restrict", "AIBL", merged, output).ExitCode);
        Assert.Equal("participant_id\tsession_id\texamination_date\nsub-B\tses-M00\t20100105\n", File.ReadAllText(output));
    }

    [Fact]
    public void Oasis_KeepsRowsAged62AndOver_WhateverTheDiagnosis()
    {
        string merged = Write(
            "participant_id\tsession_id\tdiagnosis\tage_bl\n" +
            "sub-A\tses-M00\tCN\t61.9\n" + "sub-B\tses-M00\tAD\t62\n" + "sub-C\tses-M00\tCN\t70.50\n" + "sub-D\tses-M00\tCN\t\n" + "sub-E\tses-M00\tAD\t55\n");
        string output = dir.Combine("oasis.tsv");
        var r = CliRunner.Run("tsvtool", "restrict", "OASIS", merged, output);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("participant_id\tsession_id\tdiagnosis\tage_bl\nsub-B\tses-M00\tAD\t62.0\nsub-C\tses-M00\tCN\t70.5\n", File.ReadAllText(output));
    }

    public static TheoryData<string, string, string[], string> BadCases => new()
    {
        { "AIBL without examination_date", "participant_id\tsession_id\tdate\nsub-A\tses-M00\t-4\n", ["AIBL"], "column \"examination_date\" is missing" },
        { "OASIS without age_bl", "participant_id\tsession_id\tage\nsub-A\tses-M00\t70\n", ["OASIS"], "column \"age_bl\" is missing" },
        { "OASIS age not a number", "participant_id\tsession_id\tage_bl\nsub-A\tses-M00\t70\nsub-B\tses-M00\told\n", ["OASIS"], "row 2: age_bl \"old\" is not a number" },
        { "unknown data set", "participant_id\tsession_id\tage_bl\n", ["ADNI"], "DATASET: must be AIBL or OASIS, not 'ADNI'" },
    };

    [Theory]
    [MemberData(nameof(BadCases))]
    public void BadInput_Exit2AndWriteNothing(string name, string text, string[] dataset, string fragment)
    {
        string merged = Write(text);
        string output = dir.Combine("out", "r.tsv");
        var r = CliRunner.Run(["tsvtool", "restrict", .. dataset, merged, output]);
        Assert.True(r.ExitCode == 2, $"{name}: {r.All}");
        Assert.Contains(fragment, r.Error);
        Assert.False(Directory.Exists(dir.Combine("out")), name);
    }

    [Fact]
    public void Outputs_NeverReplaceTheInputOrAnExistingFileWithoutOverwrite()
    {
        string merged = Write("participant_id\tsession_id\tage_bl\nsub-A\tses-M00\t70\n");
        var r = CliRunner.Run("tsvtool", "restrict", "OASIS", merged, merged, "--overwrite");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is also the input", r.Error);
        string output = dir.Combine("o.tsv");
        File.WriteAllText(output, "keep me\n");
        r = CliRunner.Run("tsvtool", "restrict", "OASIS", merged, output);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("o.tsv: already exists", r.Error);
        Assert.Equal("keep me\n", File.ReadAllText(output));
        Assert.Equal(0, CliRunner.Run("tsvtool", "restrict", "OASIS", merged, output, "--overwrite").ExitCode);
        Assert.Equal("participant_id\tsession_id\tage_bl\nsub-A\tses-M00\t70\n", File.ReadAllText(output));
    }
}
