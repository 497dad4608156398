using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Runs.TsvTool;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Runs.TsvTool;

public sealed class TrainTestSplitterTests : IDisposable
{
    private readonly TempDir dir = new("split");

    public void Dispose() => dir.Dispose();

    private string Labels()
    {
        string labels = dir.Combine("labels");
        LabelFiles.Write(Path.Combine(labels, "AD.tsv"), Enumerable.Range(0, 20).Select(i => LabelFiles.Row($"sub-AD{i}", "AD", age: 60 + i, sex: i % 2 == 0 ? "F" : "M")).ToArray());
        LabelFiles.Write(Path.Combine(labels, "CN.tsv"), Enumerable.Range(0, 20).Select(i => LabelFiles.Row($"sub-CN{i}", "CN", age: 65 + i % 7, sex: i % 3 == 0 ? "F" : "M")).ToArray());
        return labels;
    }

    [Fact]
    public void Run_Fraction_WritesTrainAndSubset_WithoutOverlap()
    {
        string labels = Labels();
        TrainTestSplitter.Run(new SplitOptions(labels, NTest: 0.25, SubsetName: "validation"));
        foreach (string d in new[] { "AD", "CN" })
        {
            var train = TsvTable.Read(Path.Combine(labels, "train", d + ".tsv")).Rows.Select(r => r[0]).ToHashSet();
            var valid = TsvTable.Read(Path.Combine(labels, "validation", d + "_baseline.tsv")).Rows.Select(r => r[0]).ToHashSet();
            Assert.Equal(5, valid.Count);
            Assert.Equal(15, train.Count);
            Assert.Empty(train.Intersect(valid));
            Assert.True(File.Exists(Path.Combine(labels, "train", d + "_baseline.tsv")));
            Assert.True(File.Exists(Path.Combine(labels, "validation", d + ".tsv")));
        }
        Assert.True(File.Exists(Path.Combine(labels, "split.json")));
    }

    [Fact]
    public void Run_DemographicThresholds_AreMet()
    {
        string labels = Labels();
        TrainTestSplitter.Run(new SplitOptions(labels, NTest: 6, SubsetName: "test", PAgeThreshold: 0.5, PSexThreshold: 0.5));
        var test = TsvTable.Read(Path.Combine(labels, "test", "AD_baseline.tsv")).Rows;
        var train = TsvTable.Read(Path.Combine(labels, "train", "AD_baseline.tsv")).Rows;
        double p = Statistics.TTestPValue(train.Select(r => double.Parse(r[3])).ToList(), test.Select(r => double.Parse(r[3])).ToList());
        Assert.True(p >= 0.5, $"age p-value {p}");
    }

    [Fact]
    public void Run_ConstantDemographics_DoNotLoop()
    {
        string labels = dir.Combine("labels");
        LabelFiles.Write(Path.Combine(labels, "AD.tsv"), Enumerable.Range(0, 10).Select(i => LabelFiles.Row($"sub-AD{i}", "AD", age: 60)).ToArray());
        TrainTestSplitter.Run(new SplitOptions(labels, NTest: 3));
        Assert.Equal(3, TsvTable.Read(Path.Combine(labels, "test", "AD_baseline.tsv")).Rows.Count);
    }

    [Fact]
    public void Run_UnreachableThresholds_SayWhatToDo()
    {
        string labels = dir.Combine("labels");
        LabelFiles.Write(Path.Combine(labels, "AD.tsv"), Enumerable.Range(0, 6).Select(i => LabelFiles.Row($"sub-AD{i}", "AD", age: i < 3 ? 50 : 90)).ToArray());
        var e = Assert.Throws<InvalidOptionException>(() => TrainTestSplitter.Run(new SplitOptions(labels, NTest: 3, PAgeThreshold: 1.0, MaxDraws: 50)));
        Assert.Contains("--ignore_demographics", e.Message);
    }

    [Fact]
    public void Run_TestSizeTooLarge_NamesOption()
    {
        string labels = Labels();
        var e = Assert.Throws<InvalidOptionException>(() => TrainTestSplitter.Run(new SplitOptions(labels, NTest: 20)));
        Assert.Contains("--n_test", e.Message);
    }

    [Fact]
    public void Run_MciSubCategories_MovesSubtypeSubjectsOutOfMci_AndNoSubjectOnBothSides()
    {
        string labels = dir.Combine("labels");
        LabelFiles.Write(Path.Combine(labels, "MCI.tsv"), Enumerable.Range(0, 10).Select(i => LabelFiles.Row($"sub-M{i}", "MCI")).ToArray());
        LabelFiles.Write(Path.Combine(labels, "sMCI.tsv"), Enumerable.Range(0, 6).Select(i => LabelFiles.Row($"sub-M{i}", "sMCI")).ToArray());
        TrainTestSplitter.Run(new SplitOptions(labels, NTest: 0.5, SubsetName: "validation", IgnoreDemographics: true));
        var train = TsvTable.Read(Path.Combine(labels, "train", "MCI.tsv")).Rows.Select(r => r[0]).ToList();
        var valid = TsvTable.Read(Path.Combine(labels, "validation", "MCI_baseline.tsv")).Rows.Select(r => r[0]).ToList();
        Assert.Empty(train.Intersect(valid));
        Assert.Equal(10, train.Count + valid.Count); // 4 MCI-only subjects and the 6 sMCI ones, each once
        Assert.Equal(10, train.Concat(valid).Distinct().Count());
    }

    [Fact]
    public void Run_FractionTooSmall_SaysItIsAFraction()
    {
        string labels = dir.Combine("labels");
        LabelFiles.Write(Path.Combine(labels, "AD.tsv"), Enumerable.Range(0, 4).Select(i => LabelFiles.Row($"sub-AD{i}", "AD")).ToArray());
        var e = Assert.Throws<InvalidOptionException>(() => TrainTestSplitter.Run(new SplitOptions(labels, NTest: 1)));
        Assert.Contains("a fraction: 4 of 4 subjects", e.Message);
    }
}
