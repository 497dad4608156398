using System.Globalization;
using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;

namespace ClinicaDl.Cli.Console;

/// <summary>Turns library events into log lines: <c>&lt;time&gt; - &lt;logger&gt; - &lt;message&gt;</c> as ClinicaDL prints them.</summary>
/// <remarks>
/// The renderer for everything that is not a terminal: job logs, pipes, CI and the tests' string writers. Messages of level
/// info and below go to stdout, warnings to stderr. Progress is printed at a bounded rate, never with control characters, so
/// logs stay readable and small: one line per evaluation, step lines at most every <see cref="StepInterval"/> (every step
/// with <c>-vv</c>), image-caching and counted-job lines at 25 % milestones (every item with <c>-v</c>).
/// </remarks>
internal sealed class PlainProgressRenderer : IProgressRenderer
{
    private readonly TextWriter output;
    private readonly TextWriter error;
    private readonly Verbosity verbosity;
    private readonly TimeProvider time;
    private readonly object gate = new();
    private readonly Dictionary<NetworkId, int> epochs = [];
    private readonly Dictionary<string, int> lastQuarter = [];
    private DateTimeOffset lastStepLine = DateTimeOffset.MinValue;
    private int lastCachedQuarter = -1;

    /// <summary>Minimum time between two step progress lines.</summary>
    public static readonly TimeSpan StepInterval = TimeSpan.FromSeconds(30);

    public PlainProgressRenderer(TextWriter output, TextWriter error, Verbosity verbosity, TimeProvider? time = null)
    {
        this.output = output;
        this.error = error;
        this.verbosity = verbosity;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>One log line in ClinicaDL's format, on stdout or stderr.</summary>
    public void Line(string logger, string text, bool toError = false)
    {
        lock (gate)
        {
            var now = time.GetLocalNow();
            (toError ? error : output).WriteLine(string.Create(CultureInfo.InvariantCulture, $"{now:yyyy-MM-dd HH:mm:ss,fff} - {logger} - {text}"));
        }
    }

    public T Run<T>(Func<T> work) => work();

    public void Count(string logger, int done, int total, string what)
    {
        if (verbosity < Verbosity.Warning) return;
        int quarter = total == 0 ? 4 : done * 4 / total;
        lock (gate)
        {
            if (verbosity < Verbosity.Info && lastQuarter.TryGetValue(logger, out int last) && quarter <= last) return;
            lastQuarter[logger] = quarter;
        }
        Line(logger, $"{done}/{total} {what}");
    }

    public void Message(MessageLevel level, string text)
    {
        switch (level)
        {
            case MessageLevel.Warning when verbosity >= Verbosity.Warning: Line("main process", "WARNING: " + text, toError: true); break;
            case MessageLevel.Info when verbosity >= Verbosity.Info: Line("main process", text); break;
            case MessageLevel.Debug when verbosity >= Verbosity.Debug: Line("main process", text); break;
        }
    }

    public void NetworkStarted(NetworkId id, int epochs, int stepsPerEpoch, int trainElements, int validElements)
    {
        lock (gate) this.epochs[id] = epochs;
        if (verbosity < Verbosity.Warning) return;
        Line("train", $"{id}: training on {trainElements} elements, validating on {validElements}; up to {epochs} epochs of {stepsPerEpoch} steps.");
    }

    public void StepCompleted(StepReport r)
    {
        if (verbosity < Verbosity.Warning) return;
        var now = time.GetUtcNow();
        bool debug = verbosity >= Verbosity.Debug;
        if (!debug && now - lastStepLine < StepInterval) return;
        lastStepLine = now;
        string of;
        lock (gate) of = epochs.TryGetValue(r.Id, out int e) ? $"/{e}" : "";
        Line("train", string.Create(CultureInfo.InvariantCulture,
            $"{r.Id}: epoch {r.Epoch + 1}{of}, step {r.Step + 1}/{r.StepsPerEpoch}, loss {r.Loss:0.####}, images cached {r.ImagesCached}/{r.ImagesTotal}"));
    }

    public void EvaluationCompleted(EpochReport r)
    {
        if (verbosity < Verbosity.Warning) return;
        string best = (r.BestAccuracy ? " [best balanced accuracy]" : "") + (r.BestLoss ? " [best loss]" : "");
        string where = r.EndOfEpoch ? $"epoch {r.Epoch + 1}/{r.Epochs}" : $"epoch {r.Epoch + 1}/{r.Epochs}, step {r.Iteration + 1}";
        string text = r.TrainBalancedAccuracy is double tb
            ? string.Create(CultureInfo.InvariantCulture, $"{r.Id}: {where}: train loss {r.TrainLoss:0.####} balanced accuracy {tb:0.###} | validation loss {r.ValidLoss:0.####} balanced accuracy {r.ValidBalancedAccuracy:0.###}{best}")
            : string.Create(CultureInfo.InvariantCulture, $"{r.Id}: {where}: train loss {r.TrainLoss:0.######} | validation loss {r.ValidLoss:0.######}{best}");
        Line("train", text);
    }

    public void NetworkCompleted(NetworkId id, int epochsRun, bool stoppedEarly)
    {
        if (verbosity < Verbosity.Warning) return;
        Line("train", $"{id}: done after {epochsRun} epoch(s){(stoppedEarly ? " (early stopping)" : "")}.");
    }

    public void ImageCached(int cached, int total)
    {
        if (verbosity < Verbosity.Warning) return;
        int quarter = total == 0 ? 4 : cached * 4 / total;
        lock (gate)
        {
            if (quarter <= lastCachedQuarter) return; // decoding threads may report out of order
            lastCachedQuarter = quarter;
        }
        Line("main process", $"images cached: {cached}/{total}");
    }
}
