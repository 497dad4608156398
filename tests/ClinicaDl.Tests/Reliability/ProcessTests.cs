using ClinicaDl.Formats.Tsv;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Reliability;

/// <summary>Real processes: signals, SIGKILL at random moments, and two jobs training folds into one OUTPUT_DIR.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class ProcessTests(SyntheticCapsFixture data)
{
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(4);

    private string[] Train(string output, params string[] extra)
        => ["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2",
            "--batch_size", "4", "--threads", "1", "-np", "1", .. extra];

    [Theory]
    [InlineData(ChildProcess.SIGINT, 130)]
    [InlineData(ChildProcess.SIGTERM, 143)]
    public void Signal_StopsAtAStepBoundary_WritesACheckpoint_AndSaysHowToResume(int signal, int expectedCode)
    {
        string output = data.NewOutput("signal");
        using var child = new ChildProcess(Train(output, "--split", "0", "--epochs", "50", "-vv"));
        Assert.True(child.WaitFor("epoch 1/50, step 1/", Minutes), child.Output);
        child.Signal(signal);
        int code = child.WaitForExit(Minutes);
        Assert.True(code == expectedCode, $"exit code {code}\n{child.Output}");
        Assert.Contains($"clinicadl train resume {output}", child.Output);
        Assert.True(File.Exists(Path.Combine(output, "fold-0", "models", "checkpoint.pth.tar")), child.Output);
        OutputFiles.CheckAllParse(output);
    }

    [Fact]
    public void Sigkill_AtTwentyRandomMoments_LeavesEveryFileComplete_AndResumeFinishes()
    {
        string output = data.NewOutput("kills");
        var random = new Random(20261126);
        int kills = 0, checkedFiles = 0;
        while (kills < 20)
        {
            string[] args = File.Exists(Path.Combine(output, "commandline.json"))
                ? ["train", "resume", output]
                : Train(output, "--split", "0", "--epochs", "8", "--evaluation_steps", "1", "--overwrite");
            using var child = new ChildProcess(args);
            // Let it start (TorchSharp loads in about a second), then kill it somewhere in the next 2 s. On an idle machine the
            // whole run trains in about 28 s: 20 kills at 1 s on average leave it unfinished (at 6 epochs and 2.5 s, 17 kills were enough to finish it).
            child.WaitFor("training on", TimeSpan.FromSeconds(30));
            Thread.Sleep(random.Next(0, 2000));
            if (child.HasExited) break; // finished before the kill: the run is complete
            child.Signal(ChildProcess.SIGKILL);
            child.WaitForExit(Minutes);
            kills++;
            if (Directory.Exists(output)) checkedFiles += OutputFiles.CheckAllParse(output);
        }
        using (var final = new ChildProcess(File.Exists(Path.Combine(output, "commandline.json")) ? ["train", "resume", output] : Train(output, "--split", "0", "--epochs", "8", "--evaluation_steps", "1", "--overwrite")))
            Assert.True(final.WaitForExit(Minutes) == 0, final.Output);
        OutputFiles.CheckAllParse(output);
        Assert.True(File.Exists(Path.Combine(output, "fold-0", "cnn_classification", "best_loss", "validation_image_level_metrics.tsv")));
        Assert.Empty(Directory.GetFiles(output, "checkpoint.pth.tar", SearchOption.AllDirectories));
        Assert.True(kills >= 20, $"only {kills} kills: the run finished first");
        Assert.True(checkedFiles > 0);

        // Killed 20 times and resumed, the run ends as an uninterrupted one: nothing lost, nothing logged twice.
        string reference = data.NewOutput("kills-reference");
        using (var run = new ChildProcess(Train(reference, "--split", "0", "--epochs", "8", "--evaluation_steps", "1")))
            Assert.True(run.WaitForExit(Minutes) == 0, run.Output);
        static IEnumerable<string> WithoutTime(string f) => TsvTable.Read(f).Rows.Select(r => string.Join("\t", r.Where((_, i) => i != 2)));
        Assert.Equal(WithoutTime(Path.Combine(reference, "fold-0", "training.tsv")), WithoutTime(Path.Combine(output, "fold-0", "training.tsv")));
        foreach (var file in Directory.GetFiles(Path.Combine(reference, "fold-0", "cnn_classification"), "*.tsv", SearchOption.AllDirectories))
            Assert.Equal(File.ReadAllText(file), File.ReadAllText(Path.Combine(output, Path.GetRelativePath(reference, file))));
    }

    [Fact]
    public void TwoJobs_TrainingDifferentFolds_IntoOneOutputDir_BothFinishUnclobbered()
    {
        string shared = data.NewOutput("concurrent"), alone = data.NewOutput("alone");
        using (var a = new ChildProcess(Train(shared, "--split", "0", "--epochs", "2")))
        using (var b = new ChildProcess(Train(shared, "--split", "1", "--epochs", "2")))
        {
            Assert.True(a.WaitForExit(Minutes) == 0, a.Output);
            Assert.True(b.WaitForExit(Minutes) == 0, b.Output);
        }
        using (var c = new ChildProcess(Train(alone, "--epochs", "2")))
            Assert.True(c.WaitForExit(Minutes) == 0, c.Output);
        OutputFiles.CheckAllParse(shared);
        foreach (int fold in new[] { 0, 1 })
            foreach (var file in Directory.GetFiles(Path.Combine(alone, $"fold-{fold}", "cnn_classification"), "*.tsv", SearchOption.AllDirectories))
            {
                string rel = Path.GetRelativePath(alone, file);
                Assert.Equal(File.ReadAllText(file), File.ReadAllText(Path.Combine(shared, rel)));
            }
        var record = ClinicaDl.Options.CommandLineRecord.Read(Path.Combine(shared, "commandline.json"), shared);
        Assert.Equal(2, record.CrossValidation.NSplits);

        // A third job with another configuration is refused before it writes anything.
        var other = CliRunner.Run(Train(shared, "--split", "1", "--epochs", "3", "--overwrite")[..^1]);
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("\"epochs\" differs", other.Error);
    }
}
