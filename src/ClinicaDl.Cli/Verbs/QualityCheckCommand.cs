using System.CommandLine;
using ClinicaDl.Runs.QualityCheck;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl quality-check t1-linear|t1-volume</c> (verbs spec §7), also reachable as 0.2.1 spells it,
/// <c>clinicadl preprocessing quality-check …</c>.</summary>
internal static class QualityCheckCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("quality-check", "Quality check of clinica's t1-linear or t1-volume outputs (weights and templates given as local files).");
        command.Subcommands.Add(T1Linear(context));
        command.Subcommands.Add(T1VolumeQualityCheckCommand.Build(context));
        return command;
    }

    private static Command T1Linear(CliContext context)
    {
        var caps = new Argument<string>("CAPS_DIR") { Description = "CAPS with clinica's t1-linear outputs (the uncropped images are read)." };
        var output = new Argument<string>("OUTPUT_TSV") { Description = "The result table (.tsv)." };
        var tsv = OptionFactory.Text("--subjects_sessions_tsv", "TSV (participant_id, session_id) of the sessions to check (default: all).", helpName: "TSV", aliases: "-tsv");
        var threshold = OptionFactory.Double("--threshold", "A session passes when its probability is above this.", 0.5, 0, 1);
        var batch = OptionFactory.Int("--batch_size", "Images per forward pass.", 1, 1);
        var nproc = OptionFactory.Int("--nproc", "Images read in parallel.", 2, 1, "-np");
        var cpu = OptionFactory.Flag("--use_cpu", "Run on the CPU (default: GPU).", "-cpu");
        var weights = OptionFactory.Text("--weights", $"The QC network's weights, ClinicaDL's resnet18.pth.tar (default: {T1LinearQualityCheck.DefaultWeights}; never downloaded).", helpName: "FILE");
        var overwrite = OptionFactory.Flag("--overwrite", "Replace an existing OUTPUT_TSV.");
        var cmd = new Command("t1-linear", "Probability that each t1-linear registration succeeded (ClinicaDL 0.2.1's ResNet on three central slices).")
            { caps, output, tsv, threshold, batch, nproc, cpu, weights, overwrite };
        cmd.SetAction(r =>
        {
            var options = new T1LinearQcOptions(r.GetValue(caps)!, r.GetValue(output)!, r.GetValue(tsv), r.GetValue(threshold), r.GetValue(batch),
                r.GetValue(nproc), r.GetValue(cpu), r.GetValue(weights), r.GetValue(overwrite));
            var renderer = context.Renderer();
            var progress = new SynchronousProgress<(int Done, int Total)>(p => renderer.Count("quality-check", p.Done, p.Total, "sessions checked"));
            var result = renderer.Run(() => T1LinearQualityCheck.Run(options, progress, context.Cancel));
            foreach (string warning in result.Warnings) context.Error.WriteLine("clinicadl: warning: " + warning);
            context.Output.WriteLine($"Wrote {result.Path}: {result.Rows.Count(x => x.Pass)} of {result.Rows.Count} sessions pass.");
            return CliApp.Success;
        });
        return cmd;
    }
}

/// <summary><c>clinicadl preprocessing …</c>: 0.2.1's spelling of <c>quality-check</c>, and <c>run</c>, which is not offered.</summary>
internal static class PreprocessingCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("preprocessing", "0.2.1's preprocessing verbs: quality-check (offered, also as clinicadl quality-check); run and extract-tensor (not offered: see their help).");
        command.Subcommands.Add(QualityCheckCommand.Build(context));
        var run = new Command("run", "Not offered: t1-linear needs ANTs and downloaded templates; use clinica (clinica run t1-linear).") { TreatUnmatchedTokensAsErrors = false };
        foreach (var pipeline in new[] { "t1-linear", "t1-extensive" })
        {
            var sub = new Command(pipeline, $"Not offered: use clinica.") { TreatUnmatchedTokensAsErrors = false };
            sub.SetAction(_ => NotOffered(context, pipeline));
            run.Subcommands.Add(sub);
        }
        run.SetAction(_ => NotOffered(context, null));
        command.Subcommands.Add(run);
        var extract = new Command("extract-tensor", "Not needed: train reads the t1-linear NIfTI images directly; clinicadl extract roi writes ROI tensors.") { TreatUnmatchedTokensAsErrors = false };
        extract.SetAction(_ =>
        {
            context.Error.WriteLine("clinicadl: error: preprocessing extract-tensor is not needed: train, classify and extract read the t1-linear NIfTI images directly (and .pt image tensors when present); clinicadl extract roi writes ROI tensors.");
            return CliApp.UsageError;
        });
        command.Subcommands.Add(extract);
        return command;
    }

    private static int NotOffered(CliContext context, string? pipeline)
    {
        string message = pipeline switch
        {
            "t1-extensive" => "preprocessing run t1-extensive is not offered: it masks clinica's t1-volume-tissue-segmentation (SPM) outputs; run clinica's t1-volume pipelines, then use their outputs.",
            _ => "preprocessing run t1-linear is not offered: it is clinica's pipeline (ANTs N4 bias correction and affine registration to downloaded MNI templates). Run it with clinica (clinica run t1-linear BIDS_DIR CAPS_DIR), then use the CAPS here.",
        };
        context.Error.WriteLine("clinicadl: error: " + message);
        return CliApp.UsageError;
    }
}

/// <summary><c>quality-check t1-volume CAPS_DIR OUTPUT_DIR GROUP_LABEL</c> (verbs spec §7.2).</summary>
internal static class T1VolumeQualityCheckCommand
{
    public static Command Build(CliContext context)
    {
        var caps = new Argument<string>("CAPS_DIR") { Description = "CAPS with clinica's t1-volume outputs (grey-matter maps and the group's DARTEL template)." };
        var output = new Argument<string>("OUTPUT_DIR") { Description = "Folder of QC_metrics.tsv and pass_step-1/2/3.tsv." };
        var group = new Argument<string>("GROUP_LABEL") { Description = "The clinica group whose DARTEL template is used." };
        var eyes = OptionFactory.Text("--eyes_segmentation", $"ClinicaDL's eyes_segmentation.nii.gz (default: {T1VolumeQualityCheck.DefaultEyesSegmentation}; never downloaded).", helpName: "FILE");
        var threshold = OptionFactory.Double("--frontal_similarity_threshold", "Step 3 keeps sessions whose frontal similarity is above this (ClinicaDL 0.2.1's code: 0.10; its docs say 0.40).", 0.10, 0, 1);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace existing result files.");
        var cmd = new Command("t1-volume", "Filters grey-matter maps of clinica's t1-volume pipeline on their largest value, non-zero fraction and frontal similarity with the DARTEL template.")
            { caps, output, group, eyes, threshold, overwrite };
        cmd.SetAction(r =>
        {
            var options = new T1VolumeQcOptions(r.GetValue(caps)!, r.GetValue(output)!, r.GetValue(group)!, r.GetValue(eyes), r.GetValue(threshold), r.GetValue(overwrite));
            var renderer = context.Renderer();
            var progress = new SynchronousProgress<(int Done, int Total)>(p => renderer.Count("quality-check", p.Done, p.Total, "sessions measured"));
            var result = renderer.Run(() => T1VolumeQualityCheck.Run(options, progress, context.Cancel));
            foreach (string warning in result.Warnings) context.Error.WriteLine("clinicadl: warning: " + warning);
            context.Output.WriteLine($"Number of sessions removed based on max intensity: {result.RemovedPerStep[0]}");
            context.Output.WriteLine($"Number of sessions removed based on non-zero voxels: {result.RemovedPerStep[1]}");
            context.Output.WriteLine($"Number of sessions removed based on frontal similarity with DARTEL template: {result.RemovedPerStep[2]}");
            context.Output.WriteLine($"Wrote {string.Join(", ", result.Files)}.");
            return CliApp.Success;
        });
        return cmd;
    }
}
