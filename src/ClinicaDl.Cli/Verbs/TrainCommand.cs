using System.CommandLine;
using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl train &lt;mode&gt; &lt;network&gt;</c> with ClinicaDL 0.2.1's options (spec §1.1), plus ours.</summary>
/// <remarks>Every option is declared once, in <see cref="TrainSchema"/>; this builds each mode's commands from it.</remarks>
internal static class TrainCommand
{
    /// <summary>The modes of <c>train</c>, in ClinicaDL's order.</summary>
    private static readonly IReadOnlyList<ModeVerb> Modes = [new ImageVerb(), new PatchVerb(), new RoiVerb(), new SliceVerb()];

    public static Command Build(CliContext context, Option<string> logname)
    {
        var train = new Command("train", "Train deep learning models on t1-linear images.");
        foreach (var mode in Modes)
        {
            var verb = new Command(mode.Name, mode.Description);
            foreach (var kind in mode.Defaults.Networks) verb.Subcommands.Add(Network(context, mode, kind, logname));
            foreach (var kind in NetworkKind.All)
                if (mode.Refused.TryGetValue(kind, out var why)) verb.Subcommands.Add(RefusedNetwork($"train {mode.Name} {kind.Name}", kind, why));
            train.Subcommands.Add(verb);
        }
        train.Subcommands.Add(Resume(context));
        return train;
    }

    /// <summary>A network of 0.2.1 that cannot run in this mode: any arguments, then one line and exit 2.</summary>
    private static Command RefusedNetwork(string verb, NetworkKind kind, string why)
    {
        var cmd = new Command(kind.Name, "Not available (see the error it gives).") { TreatUnmatchedTokensAsErrors = false };
        cmd.SetAction((Func<ParseResult, int>)(_ => throw new Errors.InvalidOptionException(verb, why)));
        return cmd;
    }

    private static Command Resume(CliContext context)
    {
        var output = new Argument<string>("OUTPUT_DIR") { Description = "Results folder of an interrupted clinicadl train run." };
        var split = OptionFactory.IntList("--split", "Folds to resume (default: every fold recorded or present).", 0);
        var cmd = new Command("resume", "Continue every unfinished fold from its last checkpoint; finished folds are left alone.") { output, split };
        cmd.SetAction(r =>
        {
            string dir = r.GetValue(output)!;
            var splits = r.GetValue(split);
            var renderer = context.Renderer();
            var summary = RunInterruptible(context, dir,
                () => renderer.Run(() => TrainingRun.Resume(dir, splits is { Length: > 0 } ? splits : null, renderer, cancel: context.Cancel)));
            TrainSummaryPrinter.Print(context, summary);
            return CliApp.Success;
        });
        return cmd;
    }

    /// <summary>Runs a training; on interrupt, says how to resume before the exit code 130/143 is returned.</summary>
    internal static RunSummary RunInterruptible(CliContext context, string outputDir, Func<RunSummary> run)
    {
        try
        {
            return run();
        }
        catch (OperationCanceledException) when (context.Cancel.IsCancellationRequested)
        {
            context.Error.WriteLine($"clinicadl: stopped at a step boundary; every unfinished network keeps a resumable checkpoint. Resume with: clinicadl train resume {outputDir}");
            throw;
        }
    }

    /// <summary><c>train &lt;mode&gt; &lt;kind&gt;</c>: the arguments and options <see cref="TrainSchema"/> declares for them.</summary>
    private static Command Network(CliContext context, ModeVerb mode, NetworkKind kind, Option<string> logname)
    {
        var cmd = new Command(kind.Name, mode.Help[kind]);
        var bound = SchemaOptions.AddTo(cmd, TrainSchema.CommandLine(mode.Defaults, kind), mode.Defaults, kind);
        cmd.SetAction(r =>
        {
            var options = TrainSchema.LogName.Apply(SchemaOptions.Apply(bound, r, TrainSchema.Blank(mode.Defaults, kind)), r.GetValue(logname));
            var renderer = context.Renderer();
            var summary = RunInterruptible(context, options.OutputDir, () => renderer.Run(() => new TrainingRun(options, renderer).Execute(context.Cancel)));
            TrainSummaryPrinter.Print(context, summary);
            return CliApp.Success;
        });
        return cmd;
    }
}
