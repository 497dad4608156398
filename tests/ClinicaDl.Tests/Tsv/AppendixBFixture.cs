using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Tsv;

/// <summary>The getlabels/analysis fixture of the verbs spec, Appendix B (merged TSV, missing_mods folder, restriction file),
/// written into a temporary folder.</summary>
public sealed class AppendixBFixture : IDisposable
{
    /// <summary>Appendix B's merged.tsv, byte for byte.</summary>
    public const string MergedText =
        "participant_id\tsession_id\tdiagnosis\tdiagnosis_sc\tage_bl\tsex\tMMSE\tcdr_global\n" +
        "sub-S01\tses-M00\tAD\tAD\t70.0\tF\t22\t1.0\n" +
        "sub-S01\tses-M12\tAD\tAD\t70.0\tF\t21\t1.0\n" +
        "sub-S01\tses-M24\t\tAD\t70.0\tF\t20\t2.0\n" +
        "sub-S01\tses-M36\tAD\tAD\t70.0\tF\t19\t2.0\n" +
        "sub-S02\tses-M00\tAD\tAD\t75.5\tM\t24\t0.5\n" +
        "sub-S02\tses-M12\t\tAD\t75.5\tM\t23\t1.0\n" +
        "sub-S03\tses-M00\tCN\tCN\t65.0\tF\t29\t0.0\n" +
        "sub-S03\tses-M12\tMCI\tCN\t65.0\tF\t28\t0.5\n" +
        "sub-S04\tses-M00\tCN\tSMC\t66.0\tM\t30\t0.0\n" +
        "sub-S04\tses-M06\tCN\tSMC\t66.0\tM\t30\t0.0\n" +
        "sub-S05\tses-M00\tMCI\tMCI\t72.0\tF\t26\t0.5\n" +
        "sub-S05\tses-M12\tMCI\tMCI\t72.0\tF\t25\t0.5\n" +
        "sub-S05\tses-M24\tAD\tMCI\t72.0\tF\t22\t1.0\n" +
        "sub-S05\tses-M36\tAD\tMCI\t72.0\tF\t20\t1.0\n" +
        "sub-S06\tses-M00\tMCI\tMCI\t68.0\tM\t27\t0.5\n" +
        "sub-S06\tses-M12\tMCI\tMCI\t68.0\tM\t27\t0.5\n" +
        "sub-S06\tses-M24\tMCI\tMCI\t68.0\tM\t27\t0.5\n" +
        "sub-S06\tses-M36\tMCI\tMCI\t68.0\tM\t27\t0.5\n" +
        "sub-S06\tses-M48\tMCI\tMCI\t68.0\tM\t27\t0.5\n" +
        "sub-S07\tses-M00\tMCI\tMCI\t71.0\tF\t27\t0.5\n" +
        "sub-S07\tses-M12\tCN\tMCI\t71.0\tF\t29\t0.0\n" +
        "sub-S08\tses-M00\tMCI\tMCI\t74.0\tM\t26\t0.5\n" +
        "sub-S08\tses-M24\tMCI\tMCI\t74.0\tM\t25\t0.5\n" +
        "sub-S08\tses-M48\tAD\tMCI\t74.0\tM\t21\t1.0\n" +
        "sub-S09\tses-M00\tMCI\tMCI\t69.0\tF\t26\t0.5\n" +
        "sub-S09\tses-M30\tAD\tMCI\t69.0\tF\t22\t1.0\n" +
        "sub-S09\tses-M48\tAD\tMCI\t69.0\tF\t20\t1.0\n" +
        "sub-S10\tses-M00\tMCI\tMCI\t73.0\tM\t26\t0.5\n" +
        "sub-S10\tses-M12\tAD\tMCI\t73.0\tM\t22\t1.0\n" +
        "sub-S10\tses-M24\tMCI\tMCI\t73.0\tM\t25\t0.5\n" +
        "sub-S11\tses-M00\tAD\tAD\t80.0\tF\t20\t1.0\n" +
        "sub-S11\tses-M12\tAD\tAD\t80.0\tF\t19\t1.0\n" +
        "sub-S12\tses-M00\tMCI\tMCI\t70.0\tM\t27\t0.5\n" +
        "sub-S12\tses-M12\t\tMCI\t70.0\tM\t26\t0.5\n" +
        "sub-S12\tses-M24\tAD\tMCI\t70.0\tM\t22\t1.0\n" +
        "sub-S13\tses-M00\tCN\tCN\t60.0\tF\t30\t0.0\n" +
        "sub-S13\tses-M12\tCN\tCN\t60.0\tF\t30\t0.0\n" +
        "sub-S13\tses-M24\tCN\tCN\t\tF\t29\t0.0\n" +
        "";

    private readonly TempDir dir = new("appendix-b");


    public AppendixBFixture()
    {
        File.WriteAllText(Merged, MergedText);
        Directory.CreateDirectory(MissingMods);
        var rows = MergedText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).ToList();
        foreach (string session in new[] { "ses-M00", "ses-M06", "ses-M12", "ses-M24", "ses-M36", "ses-M48" })
            File.WriteAllText(Path.Combine(MissingMods, $"missing_mods_{session}.tsv"), "participant_id\tt1w\tdwi\n" + string.Concat(rows
                .Where(r => r[1] == session)
                .Select(r => $"{r[0]}\t{(r[0] == "sub-S11" && session == "ses-M12" ? 0 : 1)}\t0\n")));
        File.WriteAllText(Restriction, "participant_id\tsession_id\nsub-S01\tses-M00\nsub-S01\tses-M12\nsub-S06\tses-M00\nsub-S13\tses-M00\nsub-S13\tses-M12\n");
    }

    public string Root => dir.Path;
    public string Merged => dir.Combine("merged.tsv");
    public string MissingMods => dir.Combine("mm");
    public string Restriction => dir.Combine("restrict.tsv");
    public string Out => dir.Combine("out");
    public string Combine(params string[] parts) => dir.Combine(parts);

    public void Dispose() => dir.Dispose();
}
