using ClinicaDl.Cli;
using ClinicaDl.Errors;
using ClinicaDl.Tests.BadInput;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Reliability;

/// <summary>
/// Faults at every phase end in one line and an exit code, never a stack trace: non-finite voxels, files another user cannot
/// read, hand-edited run records, two processes on one fold, a second signal during the stop, a garbage model given to
/// classify, and a refused run that must not touch the folders around OUTPUT_DIR.
/// </summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class FaultFamilyTests(SyntheticCapsFixture data)
{
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(4);

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Train_NonFiniteVoxelInARoi_StopsNamingTheImage(float value)
    {
        var env = BadInputTests.Prepare(data, "nonfinite");
        string participant = env.FirstTrainParticipant;
        GenerateAndExtractTests.SetVoxel(env.Image(participant), 109, 96, 68, value); // inside the right hippocampus cube
        var r = CliRunner.Run(BadInputTests.Train(env, "--epochs", "1", "--batch_size", "4", "--threads", "1", "-np", "1"));
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}\n{r.All}");
        Assert.Contains($"of {participant}/ses-M00 holds NaN or infinite values", r.Error);
        Assert.DoesNotContain("were constant", r.All);
        Assert.DoesNotContain("internal error", r.Error);
    }

    public static TheoryData<string> Unreadable => new() { "image", "subjects folder" };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public void Train_AsAnotherUser_UnreadableInput_IsRefusedInOneLine(string what)
    {
        if (!Privileges.Available()) return;
        string root = data.NewOutput("unreadable");
        string caps = Path.Combine(root, "caps"), labels = Path.Combine(caps, "labels");
        Privileges.Sh($"mkdir -p '{root}' && cp -r '{data.Caps}' '{caps}' && chmod 0777 '{root}'");
        var layout = new ClinicaDl.Caps.CapsLayout(caps);
        string target = what == "image" ? layout.ImagePath("sub-TRIV0", "ses-M00") : Path.Combine(caps, "subjects");
        Privileges.Sh($"chmod {(what == "image" ? "0600" : "0700")} '{target}'");
        string output = Path.Combine(root, "out");
        using var child = new ChildProcess(null, Privileges.Nobody, ["train", "roi", "cnn", caps, "t1-linear", labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "1"]);
        int code = child.WaitForExit(Minutes);
        Assert.True(code == 2, $"exit {code}\n{child.Output}");
        Assert.Contains(target, child.Output);
        Assert.DoesNotContain("   at ", child.Output);
        Assert.False(Directory.Exists(output));
    }

    public static TheoryData<string, string> EditedRecords => new()
    {
        { "\"epochs\": 3.0", "\"epochs\" must be an integer, not 3.0" },
        { "\"split\": [\"zero\"]", "\"split\" must be an integer, not \"zero\"" },
        { "\"batch_size\": \"4\"", "\"batch_size\" must be an integer, not \"4\"" },
        { "\"use_cpu\": 1", "\"use_cpu\" must be true or false, not 1" },
        { "\"learning_rate\": \"fast\"", "\"learning_rate\" must be a number, not \"fast\"" },
    };

    [Theory]
    [MemberData(nameof(EditedRecords))]
    public void Resume_HandEditedCommandLineJson_IsRefusedNamingTheKey(string edited, string fragment)
    {
        // A results folder as a first job leaves it (its record and a fold folder), with one key of the record edited by hand.
        string output = data.NewOutput("edited");
        Directory.CreateDirectory(Path.Combine(output, "fold-0"));
        string record = BadInputTests.WriteEditedRecord(data.Caps, data.Labels, output, edited);
        var r = CliRunner.Run("train", "resume", output);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}\n{r.All}");
        Assert.Contains($"{record}: {fragment}", r.Error);
        Assert.DoesNotContain("internal error", r.Error);
    }

    [Fact]
    public void TwoJobs_OnTheSameFold_TheSecondIsRefusedUpFront()
    {
        string output = data.NewOutput("same-fold");
        string[] args = ["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2", "--split", "0",
            "--epochs", "50", "--batch_size", "4", "--threads", "1", "-np", "1", "-vv"];
        using var first = new ChildProcess(args);
        Assert.True(first.WaitFor("epoch 1/50, step 1/", Minutes), first.Output);
        var second = CliRunner.Run(args);
        Assert.True(second.ExitCode == 2, $"exit {second.ExitCode}\n{second.All}");
        // Refused by the lock when both passed the checks together, else by the results the first one has written.
        Assert.Matches("fold-0: (is being trained by another clinicadl process|already holds results)", second.Error);
        Assert.DoesNotContain("EventFileWriter", second.Error);
        var resume = CliRunner.Run("train", "resume", output, "--split", "0");
        Assert.Equal(2, resume.ExitCode);
        Assert.Contains("is being trained by another clinicadl process", resume.Error);
        first.Signal(ChildProcess.SIGTERM);
        Assert.Equal(143, first.WaitForExit(Minutes));
        // The lock dies with its process: the fold can be resumed at once.
        Assert.DoesNotContain("being trained", CliRunner.Run("train", "resume", output, "--split", "0", "--epochs", "1").Error);
    }

    [Fact]
    public void SecondSigterm_DuringTheStop_EndsAtOnce_With143_LeavingCompleteFilesAndNoDiagnosticFiles()
    {
        string output = data.NewOutput("double-signal");
        string tmp = data.NewOutput("double-signal-tmp");
        Directory.CreateDirectory(tmp);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            string[] args = File.Exists(Path.Combine(output, "commandline.json"))
                ? ["train", "resume", output, "-vv"]
                : ["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2", "--split", "0",
                    "--epochs", "50", "--batch_size", "4", "--threads", "1", "-np", "1", "-vv"];
            using var child = new ChildProcess(new Dictionary<string, string> { ["TMPDIR"] = tmp }, null, args);
            Assert.True(child.WaitFor(", step 1/", Minutes), child.Output);
            child.Signal(ChildProcess.SIGTERM);
            Assert.True(child.WaitFor("SIGTERM received", Minutes), child.Output);
            Thread.Sleep(attempt * 20);
            child.Signal(ChildProcess.SIGTERM);
            int code = child.WaitForExit(Minutes);
            Assert.True(code == 143, $"attempt {attempt}: exit {code}\n{child.Output}");
            OutputFiles.CheckAllParse(output);
            Assert.Empty(Directory.GetFiles(tmp, "clr-debug-pipe-*").Concat(Directory.GetFiles(tmp, "dotnet-diagnostic-*")));
        }
    }

    [Fact]
    public void Classify_GarbageModel_IsRefusedBeforeAnyTableIsWritten()
    {
        string model = data.NewOutput("garbage-model");
        Assert.Equal(0, CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, model, "Conv4_FC3", "-cpu", "--n_splits", "2",
            "--epochs", "1", "--batch_size", "4", "--threads", "1").ExitCode);
        string garbage = Path.Combine(model, "fold-1", "models", "best_loss", "model_best.pth.tar");
        File.WriteAllText(garbage, "not a model");
        string test = Path.Combine(data.Labels, "validation_splits-2", "split-0");
        var r = CliRunner.Run("classify", data.Caps, test, model, "heldout", "-cpu", "--threads", "1", "--skip_leak_check");
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}\n{r.All}");
        Assert.Contains(garbage, r.Error);
        Assert.Empty(Directory.GetFiles(model, "heldout_*", SearchOption.AllDirectories));
    }

    [Fact]
    public void RefusedRun_DoesNotTouchTheParentOfANewOutputDir()
    {
        string parent = data.NewOutput("parent");
        Directory.CreateDirectory(parent);
        var before = Directory.GetLastWriteTimeUtc(parent);
        Thread.Sleep(20);
        var r = CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, Path.Combine(parent, "results"), "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--transfer_learning_path", Path.Combine(parent, "nowhere"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(before, Directory.GetLastWriteTimeUtc(parent));
        Assert.Empty(Directory.GetFileSystemEntries(parent));
    }

    [Fact]
    public void FailureReport_UnwrapsParallelFailures_AndCallsOnlyOurOwnBugsBugs()
    {
        static (int Code, string Error) Report(Exception e)
        {
            var error = new StringWriter();
            int code = FailureReport.Report(e, new CliContext(TextWriter.Null, error, CancellationToken.None));
            return (code, error.ToString());
        }
        var input = Report(new AggregateException(new OperationCanceledException(), new CapsLayoutException("/caps/x.nii.gz", "image is 1×1×1.")));
        Assert.Equal((2, "clinicadl: error: /caps/x.nii.gz: image is 1×1×1.\n"), (input.Code, input.Error.ReplaceLineEndings("\n")));
        var disk = Report(new AggregateException(new IOException("/out/a.nii.gz: could not be written (No space left on device)")));
        Assert.Equal(1, disk.Code);
        Assert.Single(disk.Error.Trim().Split('\n'));
        var denied = Report(new UnauthorizedAccessException("Access to the path '/caps/subjects' is denied."));
        Assert.Equal(2, denied.Code);
        Assert.Contains("/caps/subjects", denied.Error);
        var bug = Report(new NullReferenceException());
        Assert.Equal(1, bug.Code);
        Assert.StartsWith("clinicadl: internal error (a bug in clinicadl", bug.Error);
    }
}
