using ClinicaDl.Cli;
using ClinicaDl.Tests.Support;
using Spectre.Console.Testing;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary>What the CLI prints when stdout is not a terminal (job logs, pipes, CI), by verbosity; and on a terminal.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class ConsoleOutputTests(SyntheticCapsFixture data)
{
    private string[] Train(string output, params string[] extra)
        => ["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2",
            "--batch_size", "4", "--threads", "1", .. extra];

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Anything below 0x20 other than line feed and tab: carriage returns, backspaces, ESC (ANSI sequences).</summary>
    private static void AssertNoControlCharacters(string text)
    {
        int bad = Array.FindIndex(text.ToCharArray(), c => c < 0x20 && c != '\n' && c != '\t');
        Assert.True(bad < 0, bad < 0 ? "" : $"control character 0x{(int)text[bad]:x2} at {bad}: …{text[Math.Max(0, bad - 80)..bad]}");
    }

    /// <summary>The quickstart's commands at a smaller size (samples/quickstart.sh uses --n_subjects 10: same epochs, folds and
    /// batch size, so the same number of progress lines, in a minute instead of five).</summary>
    [Fact]
    public void Quickstart_NotATerminal_FewerThan200PlainLines()
    {
        using var dir = new TempDir("quickstart-output");
        string caps = Path.Combine(dir.Path, "caps"), labels = Path.Combine(caps, "labels");
        var runs = new[]
        {
            CliRunner.Run("generate", "trivial", caps, "--n_subjects", "2", "--seed", "0", "--nproc", "1"),
            CliRunner.Run("tsvtool", "kfold", labels, "--n_splits", "2"),
            CliRunner.Run("train", "roi", "cnn", caps, "t1-linear", labels, Path.Combine(dir.Path, "results"), "Conv4_FC3",
                "-cpu", "--n_splits", "2", "--epochs", "10", "--batch_size", "8", "--learning_rate", "5e-4", "--seed", "0", "--threads", "1"),
        };
        foreach (var r in runs) Assert.True(r.ExitCode == 0, r.All);
        string all = string.Concat(runs.Select(r => r.All));
        AssertNoControlCharacters(all);
        Assert.InRange(Lines(all).Length, 20, 199);
        var train = runs[2].Output;
        Assert.Equal(20, Lines(train).Count(l => l.Contains(" - train - fold ") && l.Contains("validation loss"))); // one per epoch
        Assert.Contains("Validation results (balanced accuracy / sensitivity / specificity):", train);
        Assert.Matches(@"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - generate - 4/4 images written$", runs[0].Output);
        Assert.DoesNotContain("trained from scratch", all); // an info message: -v only
    }

    [Fact]
    public void Quiet_PrintsOnlyTheFinalResultLines()
    {
        string output = data.NewOutput("quiet");
        var r = CliRunner.Run(Train(output, "--split", "0", "--epochs", "1", "--quiet"));
        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal("", r.Error);
        var lines = Lines(r.Output);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("Validation image-level balanced accuracy (best_balanced_accuracy): ", lines[0]);
        Assert.Equal($"Results: {Path.GetFullPath(output)}", lines[1]);
        Assert.Equal($"TensorBoard: tensorboard --logdir {Path.GetFullPath(output)}", lines[2]);
    }

    [Fact]
    public void Verbose_AddsInfoLines_AndDoubleVerbose_AddsDebugLinesAndEveryStep()
    {
        var v = CliRunner.Run(Train(data.NewOutput("v"), "--split", "0", "--epochs", "1", "-v"));
        Assert.True(v.ExitCode == 0, v.All);
        Assert.Matches(@" - main process - \d+ sessions, 2 ROI\(s\) ", v.Output);
        Assert.Contains(" - main process - fold 0: the model is trained from scratch.", v.Output);
        Assert.DoesNotContain("Learning curves drawn", v.Output);

        var vv = CliRunner.Run(Train(data.NewOutput("vv"), "--split", "0", "--epochs", "1", "-vv"));
        Assert.True(vv.ExitCode == 0, vv.All);
        Assert.Contains("Learning curves drawn", vv.Output);
        Assert.Equal(2, Lines(vv.Output).Count(l => l.Contains("fold 0: epoch 1/1, step "))); // 8 elements, batches of 4
        AssertNoControlCharacters(v.All + vv.All);
    }

    [Fact]
    public void Terminal_ShowsTheLiveDisplay_ThenTheSummaryTable()
    {
        var console = new TestConsole().Interactive().EmitAnsiSequences().Width(100);
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, default) { Terminal = new ClinicaDl.Cli.Console.LiveTerminal(console, false) };
        string results = data.NewOutput("live");
        int code = CliApp.Run(Train(results, "--split", "0", "--epochs", "2"), context);
        Assert.True(code == 0, output + error.ToString() + console.Output);
        Assert.Contains("epoch 2/2", console.Output);
        Assert.Contains("fold 0 done", console.Output);
        Assert.Contains("best_balanced_accuracy", console.Output); // the table
        Assert.Contains("┌", console.Output);
        // The result lines stay plain, and nothing else went to the plain writers.
        Assert.Equal(3, Lines(output.ToString()).Length);
        Assert.Equal("", error.ToString());
    }
}
