using ClinicaDl.Cli.Console;
using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;

namespace ClinicaDl.Tests.Cli.Console;

/// <summary>The renderer of job logs and pipes: ClinicaDL's line format, bounded rate, verbosity levels.</summary>
public sealed class PlainProgressRendererTests
{
    private static readonly NetworkId Fold0 = new(0, null);

    private static (PlainProgressRenderer Renderer, StringWriter Output, StringWriter Error, ManualClock Clock) Make(Verbosity verbosity)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var clock = new ManualClock();
        return (new PlainProgressRenderer(output, error, verbosity, clock), output, error, clock);
    }

    private static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>An epoch of <paramref name="steps"/> steps 1 s apart, then its evaluation.</summary>
    private static void Epoch(PlainProgressRenderer r, ManualClock clock, int epoch, int steps, int epochs = 10)
    {
        for (int s = 0; s < steps; s++)
        {
            clock.Advance(1);
            r.StepCompleted(new StepReport(Fold0, epoch, s, steps, 0.5, 8, 8));
        }
        r.EvaluationCompleted(new EpochReport(Fold0, epoch, steps - 1, true, 1, 0.6, 0.7, 0.5, 0.5, false, false, epochs));
    }

    [Fact]
    public void Lines_HaveClinicaDlFormat_AndWarningsGoToStderr()
    {
        var (r, output, error, _) = Make(Verbosity.Warning);
        r.NetworkStarted(Fold0, 10, 3, 20, 20);
        r.Message(MessageLevel.Warning, "careful");
        Assert.Matches(@"^2026-01-01 12:00:00,000 - train - fold 0: training on 20 elements", Lines(output)[0]);
        Assert.Equal("2026-01-01 12:00:00,000 - main process - WARNING: careful", Lines(error)[0]);
    }

    [Fact]
    public void Steps_AtMostOneLineEvery30Seconds_OneLinePerEvaluation()
    {
        var (r, output, _, clock) = Make(Verbosity.Warning);
        r.NetworkStarted(Fold0, 10, 20, 20, 20);
        for (int e = 0; e < 10; e++) Epoch(r, clock, e, 20); // 200 steps over 200 s
        var lines = Lines(output);
        Assert.Equal(10, lines.Count(l => l.Contains("validation loss")));
        int stepLines = lines.Count(l => l.Contains(", step "));
        Assert.InRange(stepLines, 6, 7); // 200 s / 30 s
        Assert.Contains(lines, l => l.EndsWith("fold 0: epoch 1/10, step 1/20, loss 0.5, images cached 8/8", StringComparison.Ordinal));
    }

    [Fact]
    public void Debug_PrintsEveryStep()
    {
        var (r, output, _, clock) = Make(Verbosity.Debug);
        r.NetworkStarted(Fold0, 2, 5, 20, 20);
        Epoch(r, clock, 0, 5, epochs: 2);
        Assert.Equal(5, Lines(output).Count(l => l.Contains(", step ")));
    }

    [Fact]
    public void ImageCaching_PrintsAtQuarterMilestones_EvenOutOfOrder()
    {
        var (r, output, _, _) = Make(Verbosity.Warning);
        foreach (int cached in new[] { 1, 2, 3, 5, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 })
            r.ImageCached(cached, 20);
        Assert.Equal(["1/20", "5/20", "10/20", "15/20", "20/20"], Lines(output).Select(l => l[(l.LastIndexOf(' ') + 1)..]));
    }

    [Fact]
    public void Count_PrintsQuarters_AndEveryItemWithVerbose()
    {
        var (r, output, _, _) = Make(Verbosity.Warning);
        for (int i = 1; i <= 8; i++) r.Count("generate", i, 8, "images written");
        Assert.Equal(5, Lines(output).Length); // 1 (first), 2, 4, 6, 8
        Assert.EndsWith("generate - 8/8 images written", Lines(output)[^1]);

        var (v, verbose, _, _) = Make(Verbosity.Info);
        for (int i = 1; i <= 8; i++) v.Count("generate", i, 8, "images written");
        Assert.Equal(8, Lines(verbose).Length);
    }

    [Theory]
    [InlineData((int)Verbosity.Quiet, 0, 0)]
    [InlineData((int)Verbosity.Warning, 1, 0)]
    [InlineData((int)Verbosity.Info, 1, 1)]
    [InlineData((int)Verbosity.Debug, 1, 2)]
    public void Messages_FollowVerbosity(int verbosity, int warnings, int infoAndDebug)
    {
        var (r, output, error, _) = Make((Verbosity)verbosity);
        r.Message(MessageLevel.Warning, "w");
        r.Message(MessageLevel.Info, "i");
        r.Message(MessageLevel.Debug, "d");
        Assert.Equal(warnings, Lines(error).Length);
        Assert.Equal(infoAndDebug, Lines(output).Length);
    }

    [Fact]
    public void Quiet_PrintsNoProgress()
    {
        var (r, output, error, clock) = Make(Verbosity.Quiet);
        r.NetworkStarted(Fold0, 1, 2, 4, 4);
        r.ImageCached(4, 4);
        r.Count("generate", 1, 1, "images written");
        Epoch(r, clock, 0, 2, epochs: 1);
        r.NetworkCompleted(Fold0, 1, false);
        Assert.Equal("", output.ToString() + error);
    }
}
