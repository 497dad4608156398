using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Tsv;

/// <summary><c>tsvtool getlabels</c> and <c>analysis</c> end to end on the verbs spec's Appendix B fixture: every output file
/// compared whole with what ClinicaDL 0.2.1 wrote (spec §5.3.1, §5.4, Appendix B).</summary>
public sealed class LabelExtractionTests : IDisposable
{
    private readonly AppendixBFixture data = new();

    public void Dispose() => data.Dispose();

    private const string Header = "participant_id\tsession_id\tdiagnosis\tage_bl\tsex\n";

    private static string Rows(string diagnosis, params string[] rows)
        => Header + string.Concat(rows.Select(r =>
        {
            var p = r.Split(' ');
            return $"sub-{p[0]}\tses-{p[1]}\t{diagnosis}\t{(p.Length > 2 ? p[2] : "")}\t{(p.Length > 3 ? p[3] : "")}\n";
        }));

    private CliRunner.Result GetLabels(params string[] extra)
        => CliRunner.Run(["tsvtool", "getlabels", data.Merged, data.MissingMods, data.Out, .. extra]);

    private string Read(string name) => File.ReadAllText(Path.Combine(data.Out, name));

    [Fact]
    public void GetLabels_AppendixB_WritesClinicaDlsFiles()
    {
        var r = GetLabels("--diagnoses", "AD", "CN", "MCI", "sMCI", "pMCI");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(Rows("AD", "S01 M00 70.0 F", "S01 M12 70.0 F", "S01 M24 70.0 F", "S01 M36 70.0 F", "S02 M00 75.5 M", "S11 M00 80.0 F"), Read("AD.tsv"));
        Assert.Equal(Rows("CN", "S13 M00 60.0 F", "S13 M12 60.0 F", "S13 M24 _ F").Replace("\t_\t", "\t\t"), Read("CN.tsv"));
        Assert.Equal(Rows("MCI", "S05 M00 72.0 F", "S05 M12 72.0 F", "S06 M00 68.0 M", "S06 M12 68.0 M", "S06 M24 68.0 M", "S06 M36 68.0 M",
            "S06 M48 68.0 M", "S08 M00 74.0 M", "S08 M24 74.0 M", "S09 M00 69.0 F", "S12 M00 70.0 M"), Read("MCI.tsv"));
        Assert.Equal(Rows("sMCI", "S06 M00 68.0 M", "S06 M12 68.0 M"), Read("sMCI.tsv"));
        Assert.Equal(Rows("pMCI", "S05 M00 72.0 F", "S05 M12 72.0 F", "S08 M24 74.0 M", "S09 M00 69.0 F", "S12 M00 70.0 M"), Read("pMCI.tsv"));
        Assert.Equal($$"""
            {
                "merged_tsv": "{{data.Merged}}",
                "missing_mods": "{{data.MissingMods}}",
                "diagnoses": [
                    "AD",
                    "CN",
                    "MCI",
                    "sMCI",
                    "pMCI"
                ],
                "modality": "t1w",
                "restriction_path": null,
                "time_horizon": 36,
                "variables_of_interest": null,
                "remove_smc": true
            }
            """, Read("getlabels.json"));
        Assert.Equal(["AD.tsv", "CN.tsv", "MCI.tsv", "getlabels.json", "pMCI.tsv", "sMCI.tsv"],
            Directory.GetFiles(data.Out).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("Found 5 MCI subjects for a total of 11 sessions", r.Output);
    }

    [Fact]
    public void GetLabels_DefaultDiagnoses_AreAdAndCn()
    {
        Assert.Equal(0, GetLabels().ExitCode);
        Assert.Equal(["AD.tsv", "CN.tsv", "getlabels.json"], Directory.GetFiles(data.Out).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GetLabels_TimeHorizon12_ChangesSmciAndPmci()
    {
        Assert.Equal(0, GetLabels("--diagnoses", "sMCI", "pMCI", "--time_horizon", "12").ExitCode);
        Assert.Equal(Rows("sMCI", "S06 M00 68.0 M", "S06 M12 68.0 M", "S06 M24 68.0 M", "S06 M36 68.0 M", "S08 M00 74.0 M"), Read("sMCI.tsv"));
        Assert.Equal(Rows("pMCI", "S05 M12 72.0 F"), Read("pMCI.tsv"));
        Assert.Contains("\"time_horizon\": 12", Read("getlabels.json"));
    }

    [Fact]
    public void GetLabels_KeepSmc_KeepsTheSmcParticipant()
    {
        Assert.Equal(0, GetLabels("--diagnoses", "CN", "--keep_smc").ExitCode);
        Assert.Equal(Rows("CN", "S04 M00 66.0 M", "S04 M06 66.0 M", "S13 M00 60.0 F", "S13 M12 60.0 F", "S13 M24 _ F").Replace("\t_\t", "\t\t"), Read("CN.tsv"));
        Assert.Contains("\"remove_smc\": false", Read("getlabels.json"));
    }

    [Fact]
    public void GetLabels_RestrictionPath_KeepsOnlyListedSessions()
    {
        Assert.Equal(0, GetLabels("--diagnoses", "AD", "CN", "MCI", "--restriction_path", data.Restriction).ExitCode);
        Assert.Equal(Rows("AD", "S01 M00 70.0 F", "S01 M12 70.0 F"), Read("AD.tsv"));
        Assert.Equal(Rows("CN", "S13 M00 60.0 F", "S13 M12 60.0 F"), Read("CN.tsv"));
        Assert.Equal(Rows("MCI", "S06 M00 68.0 M"), Read("MCI.tsv"));
    }

    [Fact]
    public void GetLabels_AbsentModality_WritesHeaderOnlyFilesAndWarns()
    {
        var r = GetLabels("--modality", "dwi");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Header, Read("AD.tsv"));
        Assert.Equal(Header, Read("CN.tsv"));
        var none = GetLabels("--modality", "flair", "--overwrite");
        Assert.Equal(0, none.ExitCode);
        Assert.Contains("\"flair\" column", none.Error);
    }

    [Fact]
    public void GetLabels_VariablesOfInterest_AreAppendedInTheGivenOrder()
    {
        // 0.2.1 orders these columns by Python's string hashing, so differently from run to run (V19).
        Assert.Equal(0, GetLabels("--diagnoses", "AD", "--variables_of_interest", "cdr_global", "MMSE", "sex").ExitCode);
        var lines = Read("AD.tsv").Split('\n');
        Assert.Equal("participant_id\tsession_id\tdiagnosis\tage_bl\tsex\tcdr_global\tMMSE", lines[0]);
        Assert.Equal("sub-S01\tses-M00\tAD\t70.0\tF\t1.0\t22", lines[1]);
        Assert.Contains("\"variables_of_interest\": [\n        \"cdr_global\",\n        \"MMSE\",\n        \"sex\"\n    ]", Read("getlabels.json"));
    }

    [Fact]
    public void GetLabels_UnpaddedSessionIds_AndShortHorizon_Work()
    {
        // 0.2.1 rebuilds horizon ids as "ses-M" + n (KeyError for ses-M6 when the file says ses-M06, V20) and parses
        // ids by position; we compare sessions by month.
        File.WriteAllText(data.Merged,
            "participant_id\tsession_id\tdiagnosis\tage\tsex\n" +
            "sub-A\tses-M0\tMCI\t70\tF\n" + "sub-A\tses-M6\tAD\t70\tF\n" +
            "sub-B\tses-M00\tMCI\t71\tM\n" + "sub-B\tses-M06\tMCI\t71\tM\n" + "sub-B\tses-M12\tMCI\t71\tM\n");
        foreach (var f in Directory.GetFiles(data.MissingMods)) File.Delete(f);
        File.WriteAllText(Path.Combine(data.MissingMods, "missing_mods_ses-M00.tsv"), "participant_id\tt1w\nsub-A\t1\nsub-B\t1\n");
        File.WriteAllText(Path.Combine(data.MissingMods, "missing_mods_ses-M6.tsv"), "participant_id\tt1w\nsub-A\t1\nsub-B\t1\n");
        File.WriteAllText(Path.Combine(data.MissingMods, "missing_mods_ses-M12.tsv"), "participant_id\tt1w\nsub-B\t1\n");
        var r = GetLabels("--diagnoses", "sMCI", "pMCI", "--time_horizon", "6");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("participant_id\tsession_id\tdiagnosis\tage\tsex\nsub-A\tses-M0\tpMCI\t70\tF\n", Read("pMCI.tsv"));
        Assert.Equal("participant_id\tsession_id\tdiagnosis\tage\tsex\nsub-B\tses-M00\tsMCI\t71\tM\nsub-B\tses-M06\tsMCI\t71\tM\n", Read("sMCI.tsv"));
    }

    [Fact]
    public void GetLabels_MissingDiagnosisFilledFromAdniChange_AndPandasFormatting()
    {
        File.WriteAllText(data.Merged,
            "participant_id\tsession_id\tdiagnosis\tadni_diagnosis_change\tAGE\tsex\tMMSE\n" +
            "sub-A\tses-M00\tCN\t1\t70\tF\t29\n" + "sub-A\tses-M12\t\t1\t70\tF\tNA\n" + "sub-A\tses-M24\tCN\t1\t70\tF\t28\n" +
            "sub-B\tses-M00\tCN\t1\t71\tM\t30\n" + "sub-B\tses-M12\t\t3\t71\tM\t30\n");
        foreach (var f in Directory.GetFiles(data.MissingMods)) File.Delete(f);
        foreach (string s in new[] { "ses-M00", "ses-M12", "ses-M24" })
            File.WriteAllText(Path.Combine(data.MissingMods, $"missing_mods_{s}.tsv"), "participant_id\tt1w\nsub-A\t1\nsub-B\t1\n");
        Assert.Equal(0, GetLabels("--diagnoses", "CN", "--variables_of_interest", "MMSE").ExitCode);
        // sub-B's ses-M12 becomes AD through adni_diagnosis_change = 3: sub-B is not stable. MMSE has a missing value, so pandas writes floats.
        Assert.Equal("participant_id\tsession_id\tdiagnosis\tAGE\tsex\tMMSE\n" +
            "sub-A\tses-M00\tCN\t70\tF\t29.0\n" + "sub-A\tses-M12\tCN\t70\tF\t\n" + "sub-A\tses-M24\tCN\t70\tF\t28.0\n", Read("CN.tsv"));
    }

    [Fact]
    public void Analysis_AppendixB_WritesClinicaDlsTable()
    {
        Assert.Equal(0, GetLabels("--diagnoses", "AD", "CN", "MCI", "sMCI", "pMCI").ExitCode);
        string result = data.Combine("analysis", "demographics.tsv");
        var r = CliRunner.Run("tsvtool", "analysis", data.Merged, data.Out, result, "--diagnoses", "AD", "CN", "MCI", "sMCI", "pMCI");
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(
            "diagnosis\tn_subjects\tmean_age\tstd_age\tmin_age\tmax_age\tsexF\tsexM\tmean_MMSE\tstd_MMSE\tmin_MMSE\tmax_MMSE\tCDR_0\tCDR_0.5\tCDR_1\tCDR_2\tCDR_3\tmean_scans\tstd_scans\tn_scans\n" +
            "AD\t3.0\t75.16666666666667\t4.089281382128433\t70.0\t80.0\t2.0\t1.0\t22.0\t1.632993161855452\t20.0\t24.0\t0.0\t1.0\t2.0\t0.0\t0.0\t2.0\t1.4142135623730951\t6.0\n" +
            "CN\t1.0\t60.0\t0.0\t60.0\t60.0\t1.0\t0.0\t30.0\t0.0\t30.0\t30.0\t1.0\t0.0\t0.0\t0.0\t0.0\t3.0\t0.0\t3.0\n" +
            "MCI\t5.0\t70.6\t2.1540659228538015\t68.0\t74.0\t2.0\t3.0\t26.4\t0.4898979485566356\t26.0\t27.0\t0.0\t5.0\t0.0\t0.0\t0.0\t2.2\t1.469693845669907\t11.0\n" +
            "sMCI\t1.0\t68.0\t0.0\t68.0\t68.0\t0.0\t1.0\t27.0\t0.0\t27.0\t27.0\t0.0\t1.0\t0.0\t0.0\t0.0\t2.0\t0.0\t2.0\n" +
            "pMCI\t4.0\t71.25\t1.920286436967152\t69.0\t74.0\t2.0\t2.0\t26.0\t0.7071067811865476\t25.0\t27.0\t0.0\t4.0\t0.0\t0.0\t0.0\t1.25\t0.4330127018922193\t5.0\n",
            File.ReadAllText(result));
    }

    [Fact]
    public void Analysis_EmptyLabelFile_WritesZeroCountsAndEmptyStatistics()
    {
        // 0.2.1 crashes on an empty label file (V22).
        Assert.Equal(0, GetLabels("--diagnoses", "AD", "CN", "--modality", "dwi").ExitCode);
        string result = data.Combine("demo.tsv");
        var r = CliRunner.Run("tsvtool", "analysis", data.Merged, data.Out, result);
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("AD\t0.0\t\t\t\t\t0.0\t0.0\t\t\t\t\t0.0\t0.0\t0.0\t0.0\t0.0\t\t\t0.0", File.ReadAllLines(result)[1]);
    }

    [Fact]
    public void Analysis_BaselineFallback_IsAnnounced()
    {
        Directory.CreateDirectory(data.Out);
        File.WriteAllText(Path.Combine(data.Out, "AD_baseline.tsv"), "participant_id\tsession_id\tdiagnosis\nsub-S01\tses-M00\tAD\n");
        File.WriteAllText(Path.Combine(data.Out, "CN.tsv"), "participant_id\tsession_id\tdiagnosis\nsub-S13\tses-M00\tCN\n");
        var r = CliRunner.Run("tsvtool", "analysis", data.Merged, data.Out, data.Combine("demo.tsv"));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("TSV file with all sessions was not found for diagnosis AD. Loads baseline version instead.", r.Output);
        Assert.StartsWith("AD\t1.0\t70.0\t0.0\t70.0\t70.0\t1.0\t0.0\t22.0", File.ReadAllLines(data.Combine("demo.tsv"))[1]);
    }

    public static TheoryData<string, string[], string> BadGetLabels => new()
    {
        { "unknown label", ["--diagnoses", "AD", "ADD"], "--diagnoses" },
        { "bad horizon", ["--time_horizon", "soon"], "--time_horizon" },
        { "unknown variable", ["--variables_of_interest", "apoe4"], "\"apoe4\"" },
        { "missing restriction file", ["--restriction_path", "/nonexistent/restrict.tsv"], "/nonexistent/restrict.tsv: file not found" },
    };

    [Theory]
    [MemberData(nameof(BadGetLabels))]
    public void GetLabels_BadOptions_Exit2AndWriteNothing(string name, string[] extra, string fragment)
    {
        var r = GetLabels(extra);
        Assert.True(r.ExitCode == 2, $"{name}: {r.All}");
        Assert.Contains(fragment, r.Error);
        Assert.False(Directory.Exists(data.Out), name);
    }

    public static TheoryData<string, string, string> BadMerged => new()
    {
        { "no diagnosis column", "participant_id\tsession_id\tdx\nsub-A\tses-M00\tAD\n", "column \"diagnosis\" is missing" },
        { "no session_id column", "participant_id\tvisit\tdiagnosis\nsub-A\tses-M00\tAD\n", "column \"session_id\" is missing" },
        { "no baseline", "participant_id\tsession_id\tdiagnosis\nsub-A\tses-M00\tAD\nsub-B\tses-M12\tAD\n", "participant sub-B has no ses-M00 row" },
        { "session id without month", "participant_id\tsession_id\tdiagnosis\nsub-A\tses-BL\tAD\n", "row 1: session_id \"ses-BL\" is not ses-M<month>" },
        { "repeated session", "participant_id\tsession_id\tdiagnosis\nsub-A\tses-M00\tAD\nsub-A\tses-M0\tAD\n", "row 2: sub-A ses-M0 is the same session as row 1" },
        { "unknown diagnosis", "participant_id\tsession_id\tdiagnosis\nsub-A\tses-M00\tMCI\nsub-A\tses-M36\tDementia\n", "row 2: sub-A: diagnosis \"Dementia\" is not one of CN, MCI, AD" },
        { "bad adni_diagnosis_change", "participant_id\tsession_id\tdiagnosis\tadni_diagnosis_change\nsub-A\tses-M00\tAD\t3\nsub-A\tses-M12\t\t12\n", "row 2: adni_diagnosis_change \"12\" is not one of" },
    };

    [Theory]
    [MemberData(nameof(BadMerged))]
    public void GetLabels_BadMergedTsv_Exit2AndWriteNothing(string name, string merged, string fragment)
    {
        File.WriteAllText(data.Merged, merged);
        var r = GetLabels("--diagnoses", "AD", "MCI", "sMCI");
        Assert.True(r.ExitCode == 2, $"{name}: {r.All}");
        Assert.Contains(fragment, r.Error);
        Assert.Contains(data.Merged, r.Error);
        Assert.False(Directory.Exists(data.Out), name);
    }

    [Fact]
    public void GetLabels_MissingModsProblems_Exit2NamingTheFile()
    {
        var r = CliRunner.Run("tsvtool", "getlabels", data.Merged, data.Combine("nope"), data.Out);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("nope: folder not found", r.Error);
        string bad = Path.Combine(data.MissingMods, "missing_mods_ses-M00.tsv");
        File.WriteAllText(bad, "subject\tt1w\nsub-S01\t1\n");
        r = GetLabels();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{bad}: column \"participant_id\" is missing", r.Error);
        File.WriteAllText(bad, "participant_id\tt1w\n");
        r = GetLabels();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{bad}: has no rows", r.Error);
        Assert.False(Directory.Exists(data.Out));
    }

    [Fact]
    public void GetLabels_ExistingOutputs_AreKeptUnlessOverwrite()
    {
        Directory.CreateDirectory(data.Out);
        File.WriteAllText(Path.Combine(data.Out, "CN.tsv"), "mine\n");
        File.WriteAllText(Path.Combine(data.Out, "MCI.tsv"), "not asked for\n");
        var r = GetLabels();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("CN.tsv: already exists. Add --overwrite", r.Error);
        Assert.Equal("mine\n", Read("CN.tsv"));
        Assert.False(File.Exists(Path.Combine(data.Out, "AD.tsv")));
        Assert.Equal(0, GetLabels("--overwrite").ExitCode);
        Assert.StartsWith(Header, Read("CN.tsv"));
        Assert.Equal("not asked for\n", Read("MCI.tsv"));
    }

    public static TheoryData<string, Action<AppendixBFixture>, string[], string> BadAnalysis => new()
    {
        { "missing label file", d => { }, ["--diagnoses", "BV"], "BV.tsv: file not found" },
        { "no MMSE column", d => File.WriteAllText(d.Merged, AppendixBFixture.MergedText.Replace("MMSE", "score")), [], "no column name contains \"mms\"" },
        { "no cdr_global", d => File.WriteAllText(d.Merged, AppendixBFixture.MergedText.Replace("cdr_global", "cdr")), [], "column \"cdr_global\" is missing" },
        { "no sex", d => File.WriteAllText(d.Merged, AppendixBFixture.MergedText.Replace("\tF\t", "\t\t")), [], "participant sub-S01 has no sex" },
        { "age not a number", d => File.WriteAllText(d.Merged, AppendixBFixture.MergedText.Replace("70.0\tF\t22", "seventy\tF\t22")), [], "row 1: age_bl \"seventy\" is not a number" },
        { "session not in merged", d => File.AppendAllText(Path.Combine(d.Out, "AD.tsv"), "sub-S99\tses-M00\tAD\t\t\n"), [], "sub-S99 ses-M00 is not in" },
        { "unknown diagnosis option", d => { }, ["--diagnoses", "FTD"], "--diagnoses: must be one of" },
    };

    [Theory]
    [MemberData(nameof(BadAnalysis))]
    public void Analysis_BadInput_Exit2AndWriteNothing(string name, Action<AppendixBFixture> setup, string[] extra, string fragment)
    {
        Assert.Equal(0, GetLabels().ExitCode);
        setup(data);
        string result = data.Combine("analysis", "demo.tsv");
        var r = CliRunner.Run(["tsvtool", "analysis", data.Merged, data.Out, result, .. extra]);
        Assert.True(r.ExitCode == 2, $"{name}: {r.All}");
        Assert.Contains(fragment, r.Error);
        Assert.False(File.Exists(result), name);
    }
}
