using System.CommandLine;
using ClinicaDl.Caps;
using ClinicaDl.Runs.Interpret;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl interpret {group,individual} MODEL_PATH NAME</c> (spec verbs §4.1): saliency maps of a trained CNN.</summary>
internal static class InterpretCommand
{
    public static Command Build(CliContext context, Option<string> logname)
    {
        var interpret = new Command("interpret", "Saliency maps (gradient of a class logit with respect to the input) of a trained CNN.");
        interpret.Subcommands.Add(Level(context, logname, individual: false));
        interpret.Subcommands.Add(Level(context, logname, individual: true));
        return interpret;
    }

    private static Command Level(CliContext context, Option<string> logname, bool individual)
    {
        var modelPath = new Argument<string>("MODEL_PATH") { Description = "Results folder of train roi cnn or of a random-search job." };
        var name = new Argument<string>("NAME") { Description = "Name of the interpretation: maps go to MODEL_PATH/fold-i/gradients/<selection>/NAME." };
        var batchSize = OptionFactory.Int("--batch_size", "Batch size (does not change the maps).", 1, 1);
        var useCpu = OptionFactory.Flag("--use_cpu", "Run on the CPU (default: GPU).", "-cpu");
        var nproc = OptionFactory.Int("--nproc", "Images decoded in parallel.", 2, 1, "-np");
        var threads = OptionFactory.OptionalInt("--threads", "LibTorch intra-op threads (default: all cores).", 1);
        var selection = OptionFactory.Choices("--selection", "Best models to explain, in this order.", ["best_loss"], ["best_loss", "best_balanced_accuracy"]);
        var tsvPath = OptionFactory.Text("--tsv_path", "Label folder or TSV file of the sessions (default: the model's label folder).", helpName: "PATH");
        var capsDir = OptionFactory.Text("--caps_dir", "CAPS of the sessions (default: the model's).", helpName: "DIR");
        var multiCohort = OptionFactory.Flag("--multi_cohort", "--caps_dir and --tsv_path are TSV files listing cohorts (default: the model's setting when neither is given).");
        var diagnosis = OptionFactory.Choice("--diagnosis", "Label file read (<DIAG>.tsv) and rows kept.", "AD", [.. Diagnosis.Names], "-d");
        var target = new Option<string?>("--target_diagnosis") { Description = "Class whose logit is differentiated (default: --diagnosis).", HelpName = string.Join("|", Diagnosis.Names) };
        target.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
                if (!Diagnosis.Names.Contains(token.Value))
                    r.AddError($"--target_diagnosis: must be one of {string.Join(", ", Diagnosis.Names)}, not '{token.Value}'.");
        });
        var baseline = OptionFactory.Flag("--baseline", "Read <DIAG>_baseline.tsv instead of <DIAG>.tsv.");
        // A string option: System.CommandLine gives a bool option only the tokens "true" and "false".
        var keepTrue = new Option<string?>("--keep_true") { Description = "Keep only sessions the model classifies correctly (true) or wrongly (false), decided per image (default: all).", HelpName = "BOOL" };
        keepTrue.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
                if (StrToBool(token.Value) is null)
                    r.AddError($"--keep_true: must be a boolean (true, false, yes, no, 1, 0, on, off), not '{token.Value}'.");
        });
        var template = OptionFactory.Text("--nifti_template_path", "NIfTI file whose affine the maps get (default: identity).", helpName: "FILE");
        var vmax = OptionFactory.Double("--vmax", "Colour range [-vmax, vmax] of the map.jpg drawn for 2-D (slice, Shepp-Logan phantom) models; 3-D maps are NIfTI.", 0.5, 0, minExclusive: true);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace an earlier interpretation of the same NAME.");
        var cmd = new Command(individual ? "individual" : "group", individual
            ? "One saliency map per session (and ROI) of the chosen diagnosis."
            : "The mean saliency map over the sessions of the chosen diagnosis.")
        {
            modelPath, name, batchSize, useCpu, nproc, threads, selection, tsvPath, capsDir, multiCohort, diagnosis, target, baseline, keepTrue,
            template, vmax, overwrite,
        };
        cmd.SetAction(r =>
        {
            var options = new InterpretOptions(individual, r.GetValue(modelPath)!, r.GetValue(name)!, r.GetValue(batchSize), r.GetValue(useCpu),
                r.GetValue(nproc), r.GetValue(selection), r.GetValue(tsvPath), r.GetValue(capsDir), r.GetValue(multiCohort), r.GetValue(diagnosis)!,
                r.GetValue(target), r.GetValue(baseline), r.GetValue(keepTrue) is string k ? StrToBool(k) : null, r.GetValue(template), r.GetValue(vmax), r.GetValue(threads),
                r.GetValue(overwrite), r.GetValue(logname) ?? "clinicaDL.log");
            var renderer = context.Renderer();
            var results = renderer.Run(() => new InterpretRun(options, renderer).Execute(context.Cancel));
            foreach (var result in results)
                context.Output.WriteLine($"fold {result.Fold} {result.Selection}: {result.Sessions} session(s) → {Path.GetFullPath(result.Folder)}");
            return CliApp.Success;
        });
        return cmd;
    }

    /// <summary>Python's <c>strtobool</c>, which 0.2.1 applies to <c>--keep_true</c>; null for anything else.</summary>
    private static bool? StrToBool(string value) => value.ToLowerInvariant() switch
    {
        "y" or "yes" or "t" or "true" or "on" or "1" => true,
        "n" or "no" or "f" or "false" or "off" or "0" => false,
        _ => null,
    };
}
