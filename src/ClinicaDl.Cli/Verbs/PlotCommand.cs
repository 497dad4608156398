using System.CommandLine;
using ClinicaDl.Outputs.Plots;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl plot OUTPUT_DIR</c>: redraws the learning-curve PNGs of a results folder from its training.tsv files (our extra verb).</summary>
internal static class PlotCommand
{
    public static Command Build(CliContext context)
    {
        var output = new Argument<string>("OUTPUT_DIR") { Description = "Results folder of a clinicadl train run (holds fold-*/)." };
        var cmd = new Command("plot",
            $"Redraw the learning curves of a results folder from its training.tsv files: fold-*/{TrainingPlots.PlotFileName} " +
            $"(multicnn: also one per network) and {TrainingPlots.SummaryFileName}.")
            { output };
        cmd.SetAction(r =>
        {
            string dir = r.GetValue(output)!;
            var written = TrainingPlots.DrawAll(dir);
            if (context.Verbosity >= Console.Verbosity.Info)
                foreach (string png in written) context.Output.WriteLine(png);
            if (context.Verbosity > Console.Verbosity.Quiet)
                context.Output.WriteLine($"{written.Count} plot(s) written in {Path.GetFullPath(dir)}; summary: {written[^1]}");
            return CliApp.Success;
        });
        return cmd;
    }
}
