using ClinicaDl.Cli.Console;
using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using Spectre.Console.Testing;

namespace ClinicaDl.Tests.Cli.Console;

/// <summary>The terminal display, rendered to Spectre's test console with ANSI on.</summary>
public sealed class LiveProgressRendererTests
{
    private static readonly NetworkId Fold0 = new(0, null);

    private static (LiveProgressRenderer Renderer, TestConsole Console, ManualClock Clock) Make(Verbosity verbosity = Verbosity.Warning, int width = 120, TextWriter? error = null)
    {
        var console = new TestConsole().Interactive().EmitAnsiSequences().Width(width);
        var clock = new ManualClock();
        return (new LiveProgressRenderer(console, error, verbosity, clock), console, clock);
    }

    /// <summary>Runs <paramref name="events"/> inside the display and returns the frame drawn right after them.</summary>
    private static string Frame(LiveProgressRenderer renderer, TestConsole console, Action events)
    {
        string frame = "";
        renderer.Run(() =>
        {
            events();
            int mark = console.Output.Length;
            renderer.Refresh();
            frame = console.Output[mark..];
            return 0;
        });
        return frame;
    }

    private static EpochReport Evaluation(NetworkId id, int epoch, double? validAccuracy, double validLoss, bool best = false)
        => new(id, epoch, 2, true, 10, 0.6, validLoss, validAccuracy is null ? null : 0.6, validAccuracy, best, best, 10);

    [Fact]
    public void Frame_ShowsFoldEpochLossValidationAndEta()
    {
        var (r, console, clock) = Make();
        string frame = Frame(r, console, () =>
        {
            r.NetworkStarted(Fold0, 10, 4, 20, 20);
            r.ImageCached(5, 20);
            for (int s = 0; s < 4; s++) { clock.Advance(1); r.StepCompleted(new StepReport(Fold0, 0, s, 4, 0.7, 5, 20)); }
            r.EvaluationCompleted(Evaluation(Fold0, 0, 0.625, 0.69, best: true));
            for (int s = 0; s < 3; s++) { clock.Advance(1); r.StepCompleted(new StepReport(Fold0, 1, s, 4, 0.6931, 5, 20)); }
        });
        Assert.Contains("fold 0", frame);
        Assert.Contains("epoch 2/10", frame);
        Assert.Contains("step 3/4", frame);
        Assert.Contains("loss", frame);
        Assert.Contains("0.6931", frame);
        Assert.Contains("val. balanced acc.", frame);
        Assert.Contains("0.625", frame);
        Assert.Contains("images cached 5/20", frame);
        // 1.75 epochs in 7 s: 8.25 epochs left at 4 s each; the epoch's last step at 1 s a step.
        Assert.Contains("ETA 0:00:33", frame);
        Assert.Contains("ETA 0:00:01", frame);
        Assert.Contains("\u001b[", frame); // it is a live ANSI display
    }

    [Fact]
    public void Autoencoder_ShowsValidationLoss()
    {
        var (r, console, _) = Make();
        string frame = Frame(r, console, () =>
        {
            r.NetworkStarted(Fold0, 10, 2, 20, 20);
            r.StepCompleted(new StepReport(Fold0, 0, 0, 2, 0.0123, 20, 20));
            r.EvaluationCompleted(Evaluation(Fold0, 0, null, 0.0456));
        });
        Assert.Contains("val. loss", frame);
        Assert.Contains("0.0456", frame);
    }

    [Fact]
    public void MultiCnn_OneLinePerNetwork_AndANewFoldReplacesTheOld()
    {
        var (r, console, _) = Make();
        NetworkId Net(int fold, int k) => new(fold, k);
        string fold0 = "", fold1 = "";
        r.Run(() =>
        {
            foreach (int k in new[] { 0, 1 })
            {
                r.NetworkStarted(Net(0, k), 3, 1, 8, 8);
                r.StepCompleted(new StepReport(Net(0, k), 0, 0, 1, 0.5, 8, 8));
                r.NetworkCompleted(Net(0, k), 3, false);
            }
            r.NetworkStarted(Net(0, 2), 3, 1, 8, 8);
            int mark = console.Output.Length;
            r.Refresh();
            fold0 = console.Output[mark..];
            r.NetworkCompleted(Net(0, 2), 3, false);
            r.NetworkStarted(Net(1, 0), 3, 1, 8, 8);
            mark = console.Output.Length;
            r.Refresh();
            fold1 = console.Output[mark..];
            return 0;
        });
        Assert.Contains("fold 0, cnn-0", fold0);
        Assert.Contains("fold 0, cnn-1", fold0);
        Assert.Contains("fold 0, cnn-2", fold0);
        Assert.Contains("fold 1, cnn-0", fold1);
        Assert.DoesNotContain("fold 0, cnn-", fold1);
        // Each finished network leaves a line in the scrollback.
        Assert.Contains("fold 0, cnn-1 done", console.Output);
    }

    [Fact]
    public void Messages_AppearAboveTheDisplay_ByVerbosity()
    {
        var (r, console, _) = Make(Verbosity.Warning);
        r.Run(() =>
        {
            r.NetworkStarted(Fold0, 10, 2, 20, 20);
            r.Message(MessageLevel.Warning, "disk almost full [sic]");
            r.Message(MessageLevel.Info, "an info line");
            return 0;
        });
        Assert.Contains("WARNING:", console.Output);
        Assert.Contains("disk almost full [sic]", console.Output); // markup characters are escaped, not parsed
        Assert.Contains("\u001b[0J", console.Output); // erases the old frame's remnants below the message (ClearingLine)
        Assert.DoesNotContain("an info line", console.Output);

        var (v, verbose, _) = Make(Verbosity.Info);
        v.Run(() => { v.Message(MessageLevel.Info, "an info line"); return 0; });
        Assert.Contains("an info line", verbose.Output);
    }

    [Fact]
    public void Warnings_GoToARedirectedStderr_AsPlainLines()
    {
        var error = new StringWriter();
        var (r, console, _) = Make(error: error);
        r.Run(() => { r.Message(MessageLevel.Warning, "careful"); return 0; });
        Assert.Equal("2026-01-01 12:00:00,000 - main process - WARNING: careful" + Environment.NewLine, error.ToString());
        Assert.DoesNotContain("careful", console.Output);
    }

    [Fact]
    public void NarrowTerminal_ShortensTheDescription()
    {
        var (r, console, _) = Make(width: 80);
        var id = new NetworkId(0, 1);
        string frame = Frame(r, console, () =>
        {
            r.NetworkStarted(id, 10, 1, 8, 8);
            r.EvaluationCompleted(Evaluation(id, 8, 0.5, 0.69, best: true));
        });
        Assert.Contains("val. bal. acc.", frame);
        Assert.DoesNotContain("val. balanced acc.", frame);
        string line = frame.Split('\n').Single(l => l.Contains("val. bal. acc."));
        Assert.Contains("90%", line); // the columns after the description fit on the same line
    }
}
