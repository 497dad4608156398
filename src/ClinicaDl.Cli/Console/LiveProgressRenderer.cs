using System.Globalization;
using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClinicaDl.Cli.Console;

/// <summary>A live display on a terminal (Spectre.Console): bars for the fold being trained, messages scrolling above them.</summary>
/// <remarks>
/// <para>While <see cref="Run{T}"/> runs, the live area shows, for the current fold only:</para>
/// <list type="bullet">
/// <item>one epoch bar per network (one for cnn and autoencoder, one per ROI network for multicnn), with the last
/// validation balanced accuracy (validation loss for the autoencoder), the best so far, and an ETA for the network;</item>
/// <item>a step bar for the network training now, with the current batch loss and an ETA for the epoch;</item>
/// <item>while images are still being decoded into the patch cache, a bar of the images cached so far.</item>
/// </list>
/// <para>
/// Messages are written through the same console, so Spectre prints them above the live area. When a network ends, a
/// line that says how it ended stays in the scrollback; when the next fold starts, the previous fold's bars are removed.
/// The area is cleared when the work ends, so the scrollback holds messages, one line per network and then the summary.
/// Warnings go to stderr as plain lines instead when stderr is redirected away from the terminal.
/// </para>
/// <para>ETAs are computed here from <see cref="TimeProvider"/> rather than by Spectre, whose estimate only looks at the
/// last 30 s and would jump at every evaluation pause and at a resumed epoch.</para>
/// </remarks>
internal sealed class LiveProgressRenderer : IProgressRenderer
{
    private readonly IAnsiConsole console;
    private readonly PlainProgressRenderer? separateErrors;
    private readonly Verbosity verbosity;
    private readonly TimeProvider time;
    private readonly object gate = new();
    private readonly Dictionary<NetworkId, NetworkLine> networks = [];
    private readonly Dictionary<string, (ProgressTask Task, RateEstimate Rate)> counters = [];
    private ProgressContext? context;
    private int? fold;
    private ProgressTask? steps;
    private ProgressTask? cache;
    private RateEstimate? cacheRate;
    private bool cacheDone;
    private int barWidth = 20;

    /// <summary>Starts the step line, which belongs to the network line above it.</summary>
    private readonly string branch;

    /// <summary>How often the live area is redrawn.</summary>
    public static readonly TimeSpan RefreshRate = TimeSpan.FromMilliseconds(200);

    /// <param name="console">The terminal's console.</param>
    /// <param name="error">Where warnings go as plain lines, when stderr is not the terminal; null: above the live area.</param>
    /// <param name="verbosity">At least <see cref="Verbosity.Warning"/>: <c>--quiet</c> uses the plain renderer.</param>
    /// <param name="time">The clock of the ETAs and message times.</param>
    public LiveProgressRenderer(IAnsiConsole console, TextWriter? error, Verbosity verbosity, TimeProvider? time = null)
    {
        this.console = console;
        this.verbosity = verbosity;
        this.time = time ?? TimeProvider.System;
        branch = console.Profile.Capabilities.Unicode ? "[grey]└[/]" : "[grey]`-[/]";
        separateErrors = error is null ? null : new PlainProgressRenderer(TextWriter.Null, error, verbosity, this.time);
    }

    /// <summary>Cells left for a task's description: the bar, percentage and ETA columns and their padding take the rest.</summary>
    private int DescriptionWidth => console.Profile.Width - barWidth - 4 - EtaColumn.Width - 3 - 1;

    public T Run<T>(Func<T> work)
    {
        int width = console.Profile.Width;
        barWidth = width >= 110 ? 30 : width >= 90 ? 20 : 12;
        var progress = new Progress(console) { AutoClear = true, RefreshRate = RefreshRate }
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = barWidth },
                new PercentageColumn(), new EtaColumn(time));
        return progress.Start(ctx =>
        {
            lock (gate) context = ctx;
            try
            {
                return work();
            }
            finally
            {
                lock (gate)
                {
                    context = null;
                    networks.Clear();
                    counters.Clear();
                    fold = null;
                    steps = cache = null;
                    cacheRate = null;
                    cacheDone = false;
                }
            }
        });
    }

    /// <summary>Redraws the live area now (tests; the display also refreshes every <see cref="RefreshRate"/>).</summary>
    internal void Refresh()
    {
        lock (gate) context?.Refresh();
    }

    public void Count(string logger, int done, int total, string what)
    {
        lock (gate)
        {
            if (context is null) return;
            var now = time.GetUtcNow();
            if (!counters.TryGetValue(logger, out var counter))
            {
                counter = (context.AddTask(logger, maxValue: Math.Max(total, 1)), new RateEstimate(now, done - 1));
                counters[logger] = counter;
            }
            counter.Task.Value = Math.Max(counter.Task.Value, done);
            counter.Task.Description = Markup.Escape($"{logger}: {done}/{total} {what}");
            counter.Task.Tag = counter.Rate.Estimate(now, done, total);
        }
    }

    public void Message(MessageLevel level, string text)
    {
        switch (level)
        {
            case MessageLevel.Warning when separateErrors is not null: separateErrors.Message(level, text); break;
            case MessageLevel.Warning: Write($"[yellow]WARNING:[/] {Markup.Escape(text)}"); break;
            case MessageLevel.Info when verbosity >= Verbosity.Info: Write(Markup.Escape(text)); break;
            case MessageLevel.Debug when verbosity >= Verbosity.Debug: Write($"[grey]{Markup.Escape(text)}[/]"); break;
        }
    }

    public void NetworkStarted(NetworkId id, int epochs, int stepsPerEpoch, int trainElements, int validElements)
    {
        if (verbosity >= Verbosity.Info)
            Write(Markup.Escape($"{id}: training on {trainElements} elements, validating on {validElements}; up to {epochs} epochs of {stepsPerEpoch} steps."));
        lock (gate)
        {
            if (context is null) return;
            if (fold != id.Fold) RemoveFold();
            fold = id.Fold;
            var line = new NetworkLine(id, epochs, stepsPerEpoch, time.GetUtcNow(), branch);
            line.Task = steps is null
                ? context.AddTask(line.EpochText(DescriptionWidth), maxValue: epochs)
                : context.AddTaskBefore(line.EpochText(DescriptionWidth), steps, autoStart: true, maxValue: epochs);
            networks[id] = line;
            steps ??= context.AddTask("step", maxValue: stepsPerEpoch);
            steps.MaxValue = stepsPerEpoch;
            steps.Value = 0;
            steps.Description = line.StepText(0, null);
            steps.Tag = null;
        }
    }

    public void StepCompleted(StepReport r)
    {
        lock (gate)
        {
            if (steps is null || !networks.TryGetValue(r.Id, out var line)) return;
            var now = time.GetUtcNow();
            line.Stepped(r, now);
            line.Task!.Value = r.Epoch + (r.Step + 1.0) / r.StepsPerEpoch;
            line.Task.Description = line.EpochText(DescriptionWidth);
            line.Task.Tag = line.EpochEta;
            steps.MaxValue = r.StepsPerEpoch;
            steps.Value = r.Step + 1;
            steps.Description = line.StepText(r.Step + 1, r.Loss);
            steps.Tag = line.StepEta(r, now);
        }
    }

    public void EvaluationCompleted(EpochReport r)
    {
        lock (gate)
        {
            if (!networks.TryGetValue(r.Id, out var line)) return;
            line.Evaluated(r, time.GetUtcNow());
            if (r.EndOfEpoch) line.Task!.Value = r.Epoch + 1;
            line.Task!.Description = line.EpochText(DescriptionWidth);
            line.Task.Tag = line.EpochEta;
        }
    }

    public void NetworkCompleted(NetworkId id, int epochsRun, bool stoppedEarly)
    {
        string? summary = null;
        lock (gate)
        {
            if (networks.TryGetValue(id, out var line))
            {
                summary = line.Summary(epochsRun, stoppedEarly, time.GetUtcNow());
                line.Done = true;
                line.Task!.MaxValue = Math.Max(1, epochsRun);
                line.Task.Value = line.Task.MaxValue;
                line.Task.Description = line.EpochText(DescriptionWidth);
                line.Task.Tag = null;
            }
            if (steps is not null)
            {
                steps.Description = $"{branch} final evaluation and results of {Markup.Escape(id.ToString())}";
                steps.Value = steps.MaxValue;
                steps.Tag = null;
            }
        }
        Write(summary ?? Markup.Escape($"{id}: done after {epochsRun} epoch(s){(stoppedEarly ? " (early stopping)" : "")}."));
    }

    public void ImageCached(int cached, int total)
    {
        lock (gate)
        {
            if (context is null || cacheDone) return;
            var now = time.GetUtcNow();
            if (cache is null)
            {
                cache = context.AddTaskAt("images", 0, autoStart: true, maxValue: Math.Max(total, 1));
                cacheRate = new RateEstimate(now, cached - 1);
            }
            cache.Value = Math.Max(cache.Value, cached); // decoding threads may report out of order
            cache.Description = $"images cached {(int)cache.Value}/{total}";
            cache.Tag = cacheRate!.Estimate(now, cache.Value, total);
            if (cache.Value >= total)
            {
                context.RemoveTask(cache);
                cache = null;
                cacheDone = true;
            }
        }
    }

    /// <summary>Removes the bars of the fold that ended (its summary lines are already in the scrollback).</summary>
    private void RemoveFold()
    {
        foreach (var line in networks.Values) context!.RemoveTask(line.Task!);
        networks.Clear();
        if (steps is not null) context!.RemoveTask(steps);
        steps = null;
    }

    /// <summary>A line above the live area (or a plain line when no display runs), with the time as in the plain logs.</summary>
    private void Write(string markup)
        => console.Write(new ClearingLine(new Markup($"[grey]{time.GetLocalNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture)}[/] {markup}")));

    /// <summary>The state of one network's bar: progress, ETA inputs and the validation metrics shown.</summary>
    private sealed class NetworkLine(NetworkId id, int epochs, int stepsPerEpoch, DateTimeOffset started, string branch)
    {
        private RateEstimate? rate;
        private double stepSeconds;
        private int stepIntervals;
        private (int Epoch, int Step, DateTimeOffset At)? lastStep;
        private int epoch;
        private double? validAccuracy, validLoss, bestAccuracy, bestLoss;
        private int bestAccuracyEpoch, bestLossEpoch;
        private bool classifies;

        public ProgressTask? Task { get; set; }
        public bool Done { get; set; }
        public Estimate? EpochEta { get; private set; }

        public void Stepped(StepReport r, DateTimeOffset now)
        {
            epoch = r.Epoch;
            double progress = r.Epoch + (r.Step + 1.0) / r.StepsPerEpoch;
            // The first step seen sets the origin: a resumed network starts in its middle.
            rate ??= new RateEstimate(started, r.Epoch + (double)r.Step / r.StepsPerEpoch);
            EpochEta = rate.Estimate(now, progress, epochs);
            if (lastStep is { } last && last.Epoch == r.Epoch && last.Step + 1 == r.Step)
            {
                stepSeconds += (now - last.At).TotalSeconds;
                stepIntervals++;
            }
            lastStep = (r.Epoch, r.Step, now);
        }

        /// <summary>The rest of the epoch at the mean step time so far (evaluation pauses excluded).</summary>
        public Estimate? StepEta(StepReport r, DateTimeOffset now)
            => stepIntervals == 0 ? null : new Estimate(now, TimeSpan.FromSeconds(stepSeconds / stepIntervals * (r.StepsPerEpoch - r.Step - 1)));

        public void Evaluated(EpochReport r, DateTimeOffset now)
        {
            epoch = r.Epoch;
            classifies = r.ValidBalancedAccuracy is not null;
            validAccuracy = r.ValidBalancedAccuracy;
            validLoss = r.ValidLoss;
            if (r.BestAccuracy || bestAccuracy is null && validAccuracy is not null) { bestAccuracy = validAccuracy; bestAccuracyEpoch = r.Epoch; }
            if (r.BestLoss || bestLoss is null) { bestLoss = validLoss; bestLossEpoch = r.Epoch; }
            if (r.EndOfEpoch && rate is not null) EpochEta = rate.Estimate(now, r.Epoch + 1, epochs);
        }

        /// <summary>The epoch line's text, shortened until it fits <paramref name="width"/> cells.</summary>
        public string EpochText(int width)
        {
            string name = $"[bold]{Markup.Escape(id.ToString())}[/]";
            string where = Done ? "done" : $"epoch {epoch + 1}/{epochs}";
            string[] metrics = validAccuracy is double acc
                ? [F($"val. balanced acc. [cyan]{acc:0.000}[/] (best {bestAccuracy:0.000})"), F($"val. bal. acc. [cyan]{acc:0.000}[/] (best {bestAccuracy:0.000})"), F($"val. bal. acc. [cyan]{acc:0.000}[/]"), ""]
                : validLoss is double loss && !classifies
                    ? [F($"val. loss [cyan]{loss:0.0000}[/] (best {bestLoss:0.0000})"), F($"val. loss [cyan]{loss:0.0000}[/]"), ""]
                    : ["val. [grey]-[/]", ""];
            return Fit(width, metrics.Select(m => $"{name}  {where}  {m}".TrimEnd()).ToArray());
        }

        public string StepText(int step, double? loss)
            => loss is double l ? F($"{branch} step {step}/{stepsPerEpoch}  loss [cyan]{l:0.0000}[/]") : $"{branch} step {step}/{stepsPerEpoch}";

        /// <summary>The line left in the scrollback when the network ends.</summary>
        public string Summary(int epochsRun, bool stoppedEarly, DateTimeOffset now)
        {
            string head = F($"[green]{Markup.Escape(id.ToString())} done[/]: {epochsRun} epoch{(epochsRun == 1 ? "" : "s")} in {Clock(now - started)}{(stoppedEarly ? " (early stopping)" : "")}");
            if (validAccuracy is double acc)
                return head + F($", validation balanced accuracy {acc:0.000} (best {bestAccuracy:0.000}, epoch {bestAccuracyEpoch + 1})");
            return validLoss is double loss ? head + F($", validation loss {loss:0.000000} (best {bestLoss:0.000000}, epoch {bestLossEpoch + 1})") : head;
        }

        private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

        /// <summary>The first markup text whose visible length fits <paramref name="width"/>, else the shortest (Spectre wraps it).</summary>
        private static string Fit(int width, string[] variants)
            => variants.FirstOrDefault(v => Markup.Remove(v).Length <= width) ?? variants[^1];
    }

    /// <summary>h:mm:ss, hours past 24 included.</summary>
    private static string Clock(TimeSpan t)
        => string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}");

    /// <summary>An ETA as computed at <paramref name="At"/>; the column counts it down between updates.</summary>
    private sealed record Estimate(DateTimeOffset At, TimeSpan Remaining);

    /// <summary>Remaining time at the mean rate since an origin (time, value).</summary>
    private sealed class RateEstimate(DateTimeOffset origin, double originValue)
    {
        public Estimate? Estimate(DateTimeOffset now, double value, double max)
        {
            double done = value - originValue;
            double seconds = (now - origin).TotalSeconds;
            if (done <= 0 || seconds <= 0) return null;
            return new Estimate(now, TimeSpan.FromSeconds(Math.Min(seconds / done * Math.Max(0, max - value), TimeSpan.FromDays(99).TotalSeconds)));
        }
    }

    /// <summary>"ETA 0:01:28" from the <see cref="Estimate"/> in a task's <see cref="ProgressTask.Tag"/>; blank without one.</summary>
    private sealed class EtaColumn(TimeProvider time) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            if (task.Tag is not Estimate e) return new Text("");
            var left = e.Remaining - (time.GetUtcNow() - e.At);
            if (left < TimeSpan.Zero) left = TimeSpan.Zero;
            return new Markup($"[blue]ETA {Clock(left)}[/]");
        }

        /// <summary>"ETA 0:00:00".</summary>
        public const int Width = 11;

        public override int? GetColumnWidth(RenderOptions options) => Width;
    }
}
