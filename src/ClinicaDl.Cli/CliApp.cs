using System.CommandLine;
using System.CommandLine.Parsing;
using ClinicaDl.Cli.Console;
using ClinicaDl.Cli.Verbs;

namespace ClinicaDl.Cli;

/// <summary>The <c>clinicadl</c> command tree and the mapping of outcomes to exit codes.</summary>
/// <remarks>Exit codes: 0 success; 1 a failed run (or a bug, which says so and prints its trace); 2 a usage or input error (nothing changed on disk); 130/143 interrupted by SIGINT/SIGTERM.</remarks>
internal static class CliApp
{
    public const int Success = 0, Failure = 1, UsageError = 2, Interrupted = 130, Terminated = 143;

    /// <summary>The version line printed by <c>-V/--version</c>.</summary>
    public static string VersionText => $"clinicadl (ClinicaDL.NET) {ClinicaDl.Options.CommandLineRecord.ToolVersion}, mirroring ClinicaDL 0.2.1";

    internal static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "More messages: -v info, -vv debug and every step (default: warnings, progress and the summary).", Recursive = true, Arity = ArgumentArity.Zero };
    internal static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "Print only errors and the final result lines.", Recursive = true };

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("clinicadl: train region-of-interest 3D CNNs on brain MRI (ClinicaDL 0.2.1's train roi, in .NET).");
        // Our own -V/--version (ClinicaDL spells it so); the built-in one is replaced.
        foreach (var option in root.Options.OfType<VersionOption>().ToList()) root.Options.Remove(option);
        var version = new Option<bool>("--version", "-V") { Description = "Print the version and exit (after checking the rest of the line, as ClinicaDL does; the verb is not run)." };
        root.Options.Add(version);
        root.Options.Add(Verbose);
        root.Options.Add(Quiet);
        var logname = new Option<string>("--logname", "-l") { Description = "Log name stored in commandline.json.", DefaultValueFactory = _ => "clinicaDL.log", Recursive = true };
        root.Options.Add(logname);
        root.SetAction(result =>
        {
            if (result.GetValue(version))
            {
                context.Output.WriteLine(VersionText);
                return Success;
            }
            context.Error.WriteLine("clinicadl: a verb is required (generate, tsvtool, train, classify, extract, plot, quality-check, preprocessing, random-search, interpret). See clinicadl --help.");
            return UsageError;
        });
        root.Subcommands.Add(GenerateCommand.Build(context));
        root.Subcommands.Add(TsvToolCommand.Build(context));
        root.Subcommands.Add(TrainCommand.Build(context, logname));
        root.Subcommands.Add(ExtractCommand.Build(context));
        root.Subcommands.Add(ClassifyCommand.Build(context));
        root.Subcommands.Add(PlotCommand.Build(context));
        root.Subcommands.Add(RandomSearchCommand.Build(context, logname));
        root.Subcommands.Add(InterpretCommand.Build(context, logname));
        root.Subcommands.Add(QualityCheckCommand.Build(context));
        root.Subcommands.Add(PreprocessingCommand.Build(context));
        return root;
    }

    /// <summary>Parses <paramref name="args"/>, runs the verb and returns the exit code.</summary>
    public static int Run(string[] args, CliContext context)
    {
        var root = Build(context);
        var result = root.Parse(KebabToSnake(root, ExpandVerbosity(args)), new ParserConfiguration { EnablePosixBundling = false });
        context.Verbosity = result.GetValue(Quiet) ? Verbosity.Quiet
            : (Verbosity)Math.Min(2, result.GetResult(Verbose)?.IdentifierTokenCount ?? 0);
        if (result.Errors.Count > 0)
        {
            foreach (var error in result.Errors) context.Error.WriteLine("clinicadl: error: " + error.Message);
            context.Error.WriteLine($"See: {string.Join(" ", CommandPath(result))} --help");
            return UsageError;
        }
        // ClinicaDL: -V prints the version once the whole line parses, and runs nothing (spec §2.1).
        if (result.RootCommandResult.Children.OfType<OptionResult>().Any(o => o.Option.Name == "--version" && o.GetValueOrDefault<bool>()))
        {
            context.Output.WriteLine(VersionText);
            return Success;
        }
        try
        {
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = context.Output, Error = context.Error });
        }
        catch (Exception e)
        {
            return FailureReport.Report(e, context);
        }
    }

    /// <summary>argparse's counter: <c>-vv</c> means <c>-v -v</c>.</summary>
    private static string[] ExpandVerbosity(string[] args)
        => args.SelectMany(a => a.Length > 2 && a.StartsWith("-v", StringComparison.Ordinal) && a[1..].All(c => c == 'v')
            ? Enumerable.Repeat("-v", a.Length - 1) : [a]).ToArray();

    /// <summary>Accepts <c>--batch-size</c> for <c>--batch_size</c> (and <c>--batch-size=4</c>): every kebab-case spelling of a ClinicaDL option.</summary>
    private static string[] KebabToSnake(Command root, string[] args)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Collect(Command c)
        {
            foreach (var o in c.Options)
            {
                names.Add(o.Name);
                foreach (var a in o.Aliases) names.Add(a);
            }
            foreach (var sub in c.Subcommands) Collect(sub);
        }
        Collect(root);
        var result = new List<string>(args.Length);
        bool afterSeparator = false;
        foreach (string arg in args)
        {
            if (arg == "--") afterSeparator = true;
            if (afterSeparator || !arg.StartsWith("--", StringComparison.Ordinal) || arg.Length < 4)
            {
                result.Add(arg);
                continue;
            }
            int eq = arg.IndexOf('=');
            string name = eq < 0 ? arg : arg[..eq];
            string snake = "--" + name[2..].Replace('-', '_');
            result.Add(!names.Contains(name) && names.Contains(snake) ? snake + (eq < 0 ? "" : arg[eq..]) : arg);
        }
        return [.. result];
    }

    private static IEnumerable<string> CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result.CommandResult; r is CommandResult c; r = r.Parent)
            names.Insert(0, c.Command is RootCommand ? "clinicadl" : c.Command.Name);
        return names;
    }
}
