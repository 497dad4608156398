using System.CommandLine;
using ClinicaDl.Caps;
using ClinicaDl.Runs;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl classify CAPS_DIR TSV_PATH MODEL_PATH PREFIX</c> (spec §7.10): apply trained ROI models to new sessions.</summary>
internal static class ClassifyCommand
{
    public static Command Build(CliContext context)
    {
        var caps = new Argument<string>("CAPS_DIR") { Description = "CAPS of the sessions to classify (with --multi_cohort: a TSV of cohort, path)." };
        var tsv = new Argument<string>("TSV_PATH") { Description = "A TSV of sessions (participant_id, session_id[, diagnosis]) or a folder of <DIAG>_baseline.tsv files." };
        var modelPath = new Argument<string>("MODEL_PATH") { Description = "Results folder of train roi cnn or multicnn, or of train image cnn." };
        var prefix = new Argument<string>("PREFIX") { Description = "Prefix of the result files: <PREFIX>_{roi,image}_level_{prediction,metrics}.tsv." };
        var useCpu = OptionFactory.Flag("--use_cpu", "Run on the CPU (default: GPU).", "-cpu");
        var nproc = OptionFactory.Int("--nproc", "Images decoded in parallel.", 2, 1, "-np");
        var batch = OptionFactory.OptionalInt("--batch_size", "Batch size (default: the training's evaluation batch size).", 1);
        var threads = OptionFactory.OptionalInt("--threads", "LibTorch intra-op threads (default: all cores).", 1);
        var multiCohort = OptionFactory.Flag("--multi_cohort", "CAPS_DIR and TSV_PATH are TSV files listing cohorts.");
        var diagnoses = OptionFactory.Choices("--diagnoses", "Diagnoses read from a TSV_PATH folder (default: the training's).", null, [.. Diagnosis.Names], "-d");
        var skip = OptionFactory.Flag("--skip_leak_check", "Classify sessions whose subjects were in the training set.");
        var overwrite = OptionFactory.Flag("--overwrite", "Replace earlier results with this prefix.");
        var cmd = new Command("classify", "Apply every fold's best models of a cnn or multicnn results folder to new sessions.")
            { caps, tsv, modelPath, prefix, useCpu, nproc, batch, threads, multiCohort, diagnoses, skip, overwrite };
        cmd.SetAction(r =>
        {
            var d = r.GetValue(diagnoses);
            var options = new ClassifyOptions(r.GetValue(caps)!, r.GetValue(tsv)!, r.GetValue(modelPath)!, r.GetValue(prefix)!,
                r.GetValue(useCpu), r.GetValue(nproc), r.GetValue(batch), r.GetValue(threads), r.GetValue(multiCohort),
                d is { Length: > 0 } ? d : null, r.GetValue(skip), r.GetValue(overwrite));
            var renderer = context.Renderer();
            var summaries = renderer.Run(() => new ClassifyRun(options, renderer).Execute(context.Cancel));
            foreach (var s in summaries)
                context.Output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"fold {s.Fold} {s.Selection}: image-level balanced accuracy {s.Image.BalancedAccuracy:0.000}"));
            context.Output.WriteLine($"Results: {Path.GetFullPath(r.GetValue(modelPath)!)}/fold-*/cnn_classification/*/{r.GetValue(prefix)}_*.tsv");
            return CliApp.Success;
        });
        return cmd;
    }
}
