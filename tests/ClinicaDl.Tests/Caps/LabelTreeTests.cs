using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Caps;

public sealed class LabelTreeTests : IDisposable
{
    private readonly TempDir dir = new("labeltree");

    public void Dispose() => dir.Dispose();

    private IReadOnlyList<Cohort> Single => Cohort.Resolve(dir.Combine("caps"), dir.Combine("labels"), multiCohort: false);

    private void WriteKFold(int n, int fold)
    {
        string train = dir.Combine("labels", $"train_splits-{n}", $"split-{fold}");
        string valid = dir.Combine("labels", $"validation_splits-{n}", $"split-{fold}");
        LabelFiles.Write(Path.Combine(train, "AD.tsv"), LabelFiles.Row("sub-A1", "AD"), LabelFiles.Row("sub-A1", "AD", "ses-M12"), LabelFiles.Row("sub-A2", "AD"));
        LabelFiles.Write(Path.Combine(train, "AD_baseline.tsv"), LabelFiles.Row("sub-A1", "AD"), LabelFiles.Row("sub-A2", "AD"));
        LabelFiles.Write(Path.Combine(train, "CN.tsv"), LabelFiles.Row("sub-C1", "CN"));
        LabelFiles.Write(Path.Combine(train, "CN_baseline.tsv"), LabelFiles.Row("sub-C1", "CN"));
        LabelFiles.Write(Path.Combine(valid, "AD_baseline.tsv"), LabelFiles.Row("sub-A3", "AD"));
        LabelFiles.Write(Path.Combine(valid, "CN_baseline.tsv"), LabelFiles.Row("sub-C2", "CN"));
    }

    [Fact]
    public void Read_KFold_ReadsDiagnosisOrderThenFileOrder()
    {
        WriteKFold(2, 1);
        var fold = LabelTree.Read(Single, ["AD", "CN"], baseline: false, nSplits: 2, split: 1);
        Assert.Equal(["sub-A1/ses-M00", "sub-A1/ses-M12", "sub-A2/ses-M00", "sub-C1/ses-M00"], fold.Train.Select(s => s.Key));
        Assert.Equal([1, 1, 1, 0], fold.Train.Select(s => s.Label));
        Assert.Equal(["sub-A3/ses-M00", "sub-C2/ses-M00"], fold.Validation.Select(s => s.Key));
    }

    [Fact]
    public void Read_Baseline_ReadsBaselineFiles()
    {
        WriteKFold(2, 0);
        var fold = LabelTree.Read(Single, ["CN", "AD"], baseline: true, nSplits: 2, split: 0);
        Assert.Equal(["sub-C1", "sub-A1", "sub-A2"], fold.Train.Select(s => s.ParticipantId));
    }

    [Fact]
    public void Read_TrainValidationFolders_WithoutNSplits()
    {
        LabelFiles.Write(dir.Combine("labels", "train", "AD.tsv"), LabelFiles.Row("sub-A1", "AD"));
        LabelFiles.Write(dir.Combine("labels", "validation", "AD_baseline.tsv"), LabelFiles.Row("sub-A2", "AD"));
        var fold = LabelTree.Read(Single, ["AD"], false, null, 0);
        Assert.Single(fold.Train);
        Assert.Single(fold.Validation);
    }

    [Fact]
    public void Read_MissingFile_NamesFileAndTheCommandThatMakesIt()
    {
        var e = Assert.Throws<TsvFormatException>(() => LabelTree.Read(Single, ["AD", "CN"], false, 3, 0));
        Assert.Contains(Path.Combine("train_splits-3", "split-0", "AD.tsv"), e.Message);
        Assert.Contains("tsvtool kfold", e.Message);
    }

    [Fact]
    public void Read_MissingDiagnosisColumn_NamesFileAndColumn()
    {
        WriteKFold(2, 0);
        File.WriteAllText(dir.Combine("labels", "train_splits-2", "split-0", "CN.tsv"), "participant_id\tsession_id\nsub-C1\tses-M00\n");
        var e = Assert.Throws<TsvFormatException>(() => LabelTree.Read(Single, ["AD", "CN"], false, 2, 0));
        Assert.Contains("CN.tsv", e.Message);
        Assert.Contains("\"diagnosis\" is missing", e.Message);
    }

    [Theory]
    [InlineData("participant_id")]
    [InlineData("session_id")]
    public void Read_MissingIdColumn_NamesIt(string column)
    {
        WriteKFold(2, 0);
        string path = dir.Combine("labels", "train_splits-2", "split-0", "CN.tsv");
        string header = column == "participant_id" ? "subject\tsession_id\tdiagnosis" : "participant_id\tvisit\tdiagnosis";
        File.WriteAllText(path, header + "\nsub-C1\tses-M00\tCN\n");
        var e = Assert.Throws<TsvFormatException>(() => LabelTree.Read(Single, ["AD", "CN"], false, 2, 0));
        Assert.Contains($"\"{column}\" is missing", e.Message);
    }

    [Fact]
    public void Read_UnknownDiagnosis_NamesFileAndRow()
    {
        WriteKFold(2, 0);
        LabelFiles.Write(dir.Combine("labels", "train_splits-2", "split-0", "AD.tsv"), LabelFiles.Row("sub-A1", "AD"), LabelFiles.Row("sub-A2", "ADD"));
        var e = Assert.Throws<TsvFormatException>(() => LabelTree.Read(Single, ["AD", "CN"], false, 2, 0));
        Assert.Contains("AD.tsv, row 2", e.Message);
        Assert.Contains("\"ADD\" is not one of", e.Message);
    }

    [Fact]
    public void Read_DuplicateSessionInOneFile_NamesRow()
    {
        WriteKFold(2, 0);
        LabelFiles.Write(dir.Combine("labels", "train_splits-2", "split-0", "AD.tsv"), LabelFiles.Row("sub-A1", "AD"), LabelFiles.Row("sub-A1", "AD"));
        var e = Assert.Throws<TsvFormatException>(() => LabelTree.Read(Single, ["AD", "CN"], false, 2, 0));
        Assert.Contains("AD.tsv, row 2", e.Message);
        Assert.Contains("listed twice", e.Message);
    }

    [Fact]
    public void Read_SessionInTwoDiagnosisFiles_IsAnError()
    {
        WriteKFold(2, 0);
        LabelFiles.Write(dir.Combine("labels", "train_splits-2", "split-0", "CN.tsv"), LabelFiles.Row("sub-A1", "CN"));
        var e = Assert.Throws<TsvFormatException>(() => LabelTree.Read(Single, ["AD", "CN"], false, 2, 0));
        Assert.Contains("sub-A1/ses-M00", e.Message);
    }

    [Fact]
    public void Read_SubjectInTrainAndValidation_IsDataLeakage()
    {
        WriteKFold(2, 0);
        LabelFiles.Write(dir.Combine("labels", "validation_splits-2", "split-0", "CN_baseline.tsv"), LabelFiles.Row("sub-C1", "CN"));
        var e = Assert.Throws<DataLeakageException>(() => LabelTree.Read(Single, ["AD", "CN"], false, 2, 0));
        Assert.Contains("sub-C1", e.Message);
        Assert.True(e.IsInputError);
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("/abs/path")]
    [InlineData("sub-1/../x")]
    public void Read_ParticipantWithPathParts_NamesRow(string participant)
    {
        WriteKFold(2, 0);
        LabelFiles.Write(dir.Combine("labels", "train_splits-2", "split-0", "AD.tsv"), LabelFiles.Row(participant, "AD"));
        var e = Assert.Throws<TsvFormatException>(() => LabelTree.Read(Single, ["AD", "CN"], false, 2, 0));
        Assert.Contains("AD.tsv, row 1", e.Message);
        Assert.Contains("not a BIDS label", e.Message);
    }

    [Fact]
    public void Resolve_TsvPathWithoutMultiCohort_IsAnOptionError()
    {
        var e = Assert.Throws<InvalidOptionException>(() => Cohort.Resolve("caps", "labels.tsv", multiCohort: false));
        Assert.Contains("--multi_cohort", e.Message);
    }

    [Fact]
    public void Resolve_MultiCohort_ReadsBothFiles()
    {
        File.WriteAllText(dir.Combine("caps.tsv"), "cohort\tpath\nADNI\t/data/adni\nAIBL\trel/aibl\n");
        File.WriteAllText(dir.Combine("tsv.tsv"), "cohort\tpath\tdiagnoses\nADNI\t/labels/adni\tAD,CN\nAIBL\t/labels/aibl\tCN\n");
        var cohorts = Cohort.Resolve(dir.Combine("caps.tsv"), dir.Combine("tsv.tsv"), multiCohort: true);
        Assert.Equal(["ADNI", "AIBL"], cohorts.Select(c => c.Name));
        Assert.Equal(dir.Combine("rel", "aibl"), cohorts[1].CapsRoot);
        Assert.Equal(["CN"], cohorts[1].Diagnoses!);
    }

    [Fact]
    public void Resolve_MultiCohortMissingInCapsFile_NamesRow()
    {
        File.WriteAllText(dir.Combine("caps.tsv"), "cohort\tpath\nADNI\t/data/adni\n");
        File.WriteAllText(dir.Combine("tsv.tsv"), "cohort\tpath\tdiagnoses\nADNI\t/l\tAD\nOASIS\t/o\tCN\n");
        var e = Assert.Throws<TsvFormatException>(() => Cohort.Resolve(dir.Combine("caps.tsv"), dir.Combine("tsv.tsv"), true));
        Assert.Contains("row 2", e.Message);
        Assert.Contains("OASIS", e.Message);
    }
}
