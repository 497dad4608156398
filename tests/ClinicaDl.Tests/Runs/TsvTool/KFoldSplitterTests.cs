using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Runs.TsvTool;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Runs.TsvTool;

public sealed class KFoldSplitterTests : IDisposable
{
    private readonly TempDir dir = new("kfold");

    public void Dispose() => dir.Dispose();

    private string Labels(int ad = 7, int cn = 6, bool longitudinal = true)
    {
        string labels = dir.Combine("labels");
        var adRows = Enumerable.Range(0, ad).SelectMany(i => longitudinal
            ? new[] { LabelFiles.Row($"sub-AD{i}", "AD", "ses-M12"), LabelFiles.Row($"sub-AD{i}", "AD", "ses-M00") }
            : new[] { LabelFiles.Row($"sub-AD{i}", "AD") }).ToArray();
        LabelFiles.Write(Path.Combine(labels, "AD.tsv"), adRows);
        LabelFiles.Write(Path.Combine(labels, "CN.tsv"), Enumerable.Range(0, cn).Select(i => LabelFiles.Row($"sub-CN{i}", "CN")).ToArray());
        return labels;
    }

    private static HashSet<string> Subjects(string file)
        => TsvTable.Read(file).Rows.Select(r => r[0]).ToHashSet();

    [Fact]
    public void Run_WritesTheTreeTrainReads()
    {
        string labels = Labels();
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 3));
        foreach (int i in new[] { 0, 1, 2 })
            foreach (string d in new[] { "AD", "CN" })
            {
                Assert.True(File.Exists(Path.Combine(labels, "train_splits-3", $"split-{i}", d + ".tsv")));
                Assert.True(File.Exists(Path.Combine(labels, "train_splits-3", $"split-{i}", d + "_baseline.tsv")));
                Assert.True(File.Exists(Path.Combine(labels, "validation_splits-3", $"split-{i}", d + "_baseline.tsv")));
            }
        Assert.True(File.Exists(Path.Combine(labels, "kfold.json")));
    }

    [Fact]
    public void Run_NoSubjectOnBothSides_AndEverySubjectHeldOutOnce()
    {
        string labels = Labels();
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 3));
        foreach (string d in new[] { "AD", "CN" })
        {
            var heldOut = new List<string>();
            for (int i = 0; i < 3; i++)
            {
                var train = Subjects(Path.Combine(labels, "train_splits-3", $"split-{i}", d + ".tsv"));
                var valid = Subjects(Path.Combine(labels, "validation_splits-3", $"split-{i}", d + "_baseline.tsv"));
                Assert.Empty(train.Intersect(valid));
                heldOut.AddRange(valid);
                Assert.InRange(valid.Count, 2, 3); // 7 or 6 subjects over 3 folds
            }
            Assert.Equal(heldOut.Count, heldOut.Distinct().Count());
            Assert.Equal(d == "AD" ? 7 : 6, heldOut.Count);
        }
    }

    [Fact]
    public void Run_BaselineIsSmallestSession_AndAllSessionsKept()
    {
        string labels = Labels();
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2));
        var baseline = TsvTable.Read(Path.Combine(labels, "train_splits-2", "split-0", "AD_baseline.tsv"));
        Assert.All(baseline.Rows, r => Assert.Equal("ses-M00", r[1]));
        var all = TsvTable.Read(Path.Combine(labels, "train_splits-2", "split-0", "AD.tsv"));
        Assert.Equal(2 * baseline.Rows.Count, all.Rows.Count);
    }

    [Fact]
    public void Run_SameSeed_SameSplit_OtherSeed_Differs()
    {
        string labels = Labels(ad: 20, cn: 20, longitudinal: false);
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2, Seed: 5));
        string first = File.ReadAllText(Path.Combine(labels, "validation_splits-2", "split-0", "AD_baseline.tsv"));
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2, Seed: 5, Overwrite: true));
        Assert.Equal(first, File.ReadAllText(Path.Combine(labels, "validation_splits-2", "split-0", "AD_baseline.tsv")));
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2, Seed: 6, Overwrite: true));
        Assert.NotEqual(first, File.ReadAllText(Path.Combine(labels, "validation_splits-2", "split-0", "AD_baseline.tsv")));
    }

    [Fact]
    public void Run_ExistingSplits_AreRefusedWithoutOverwrite()
    {
        string labels = Labels();
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2));
        var e = Assert.Throws<OutputFolderException>(() => KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2)));
        Assert.Contains("train_splits-2", e.Message);
        Assert.Contains("--overwrite", e.Message);
    }

    [Fact]
    public void Run_MoreFoldsThanSubjects_NamesTheOption()
    {
        string labels = Labels(ad: 2, cn: 5);
        var e = Assert.Throws<InvalidOptionException>(() => KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 3)));
        Assert.Contains("--n_splits", e.Message);
        Assert.Contains("AD.tsv has 2", e.Message);
        Assert.False(Directory.Exists(Path.Combine(labels, "train_splits-3")));
    }

    [Fact]
    public void Run_SubsetNameWithPath_IsRefused()
    {
        string labels = Labels();
        var e = Assert.Throws<InvalidOptionException>(() => KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2, SubsetName: "../x")));
        Assert.Contains("--subset_name", e.Message);
    }

    [Fact]
    public void Run_Stratification_BalancesTheColumn()
    {
        string labels = dir.Combine("labels");
        LabelFiles.Write(Path.Combine(labels, "AD.tsv"), Enumerable.Range(0, 12).Select(i => LabelFiles.Row($"sub-AD{i}", "AD", sex: i < 6 ? "F" : "M")).ToArray());
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 3, Stratification: "sex"));
        for (int i = 0; i < 3; i++)
        {
            var valid = TsvTable.Read(Path.Combine(labels, "validation_splits-3", $"split-{i}", "AD_baseline.tsv"));
            Assert.Equal(2, valid.Rows.Count(r => r[4] == "F"));
            Assert.Equal(2, valid.Rows.Count(r => r[4] == "M"));
        }
    }

    [Fact]
    public void Run_MciSubCategories_MovesSubtypeSubjectsOutOfMci()
    {
        string labels = dir.Combine("labels");
        LabelFiles.Write(Path.Combine(labels, "MCI.tsv"), Enumerable.Range(0, 6).Select(i => LabelFiles.Row($"sub-M{i}", "MCI")).ToArray());
        LabelFiles.Write(Path.Combine(labels, "pMCI.tsv"), Enumerable.Range(0, 4).Select(i => LabelFiles.Row($"sub-M{i}", "pMCI")).ToArray());
        KFoldSplitter.Run(new KFoldOptions(labels, NSplits: 2));
        var mciTrain = Subjects(Path.Combine(labels, "train_splits-2", "split-0", "MCI.tsv"));
        var mciValid = Subjects(Path.Combine(labels, "validation_splits-2", "split-0", "MCI_baseline.tsv"));
        Assert.Empty(mciTrain.Intersect(mciValid));
        Assert.Equal(6, mciTrain.Count + mciValid.Count);
    }
}
