using System.CommandLine;
using ClinicaDl.Generate;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl generate trivial|random OUTPUT_DIR</c> (spec §8): a synthetic t1-linear CAPS with label files.</summary>
internal static class GenerateCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("generate", "Generate a synthetic t1-linear CAPS with labels (from built-in brain phantoms, or from the images of --caps_dir).");
        command.Subcommands.Add(Mode(context, GenerateMode.Trivial, "trivial",
            "Each source image gives an AD image (atrophy in mask 1) and a CN image (atrophy in mask 2): separable by design."));
        command.Subcommands.Add(Mode(context, GenerateMode.Random, "random",
            "Copies of one image with Gaussian noise, half AD and half CN: not separable by design."));
        command.Subcommands.Add(GenerateSheppLoganCommand.Build(context));
        return command;
    }

    private static Command Mode(CliContext context, GenerateMode mode, string name, string description)
    {
        var output = new Argument<string>("OUTPUT_DIR") { Description = "Folder of the synthetic CAPS, data.tsv and labels/." };
        var caps = OptionFactory.Text("--caps_dir", "A t1-linear CAPS to take the images from (default: built-in brain phantoms).", helpName: "CAPS_DIR");
        var preprocessing = OptionFactory.Choice("--preprocessing", "Preprocessing of the source images.", "t1-linear", ["t1-linear"]);
        var tsv = OptionFactory.Text("--subjects_sessions_tsv", "TSV (participant_id, session_id) of the sessions of --caps_dir to use.", helpName: "TSV", aliases: "-tsv");
        var n = OptionFactory.Int("--n_subjects", "n: 2n images are written (n AD, n CN).", 300, 1);
        var seed = OptionFactory.Int("--seed", "Seed of the phantoms, the atrophy and the noise.", 0, int.MinValue);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace a data set generated earlier in OUTPUT_DIR.");
        var nproc = OptionFactory.Int("--nproc", "Images generated in parallel.", Environment.ProcessorCount, 1, "-np");
        var atrophy = OptionFactory.Double("--atrophy_percent", "Atrophy applied in the masks, in percent.", 60, 0, 100, maxExclusive: true);
        var maskPath = OptionFactory.Text("--mask_path", "Folder with mask-1.nii[.gz] (AD) and mask-2.nii[.gz] (CN) on the cropped grid (default: built-in hemisphere grey-matter masks).", helpName: "DIR");
        var mean = OptionFactory.Double("--mean", "Mean of the added noise.", 0, double.MinValue);
        var sigma = OptionFactory.Double("--sigma", "Standard deviation of the added noise.", 0.5, 0);
        var cmd = new Command(name, description) { output, caps, preprocessing, tsv, n, seed, overwrite, nproc };
        if (mode == GenerateMode.Trivial) { cmd.Options.Add(atrophy); cmd.Options.Add(maskPath); }
        else { cmd.Options.Add(mean); cmd.Options.Add(sigma); }
        cmd.SetAction(r =>
        {
            var options = new GenerateOptions(mode, r.GetValue(output)!, r.GetValue(caps), r.GetValue(preprocessing)!, r.GetValue(tsv),
                r.GetValue(n), mode == GenerateMode.Trivial ? r.GetValue(atrophy) : 60, mode == GenerateMode.Trivial ? r.GetValue(maskPath) : null,
                mode == GenerateMode.Random ? r.GetValue(mean) : 0, mode == GenerateMode.Random ? r.GetValue(sigma) : 0.5,
                r.GetValue(seed), r.GetValue(overwrite), r.GetValue(nproc));
            var renderer = context.Renderer();
            var progress = new SynchronousProgress<GenerateProgress>(p => renderer.Count("generate", p.Written, p.Total, "images written"));
            var result = renderer.Run(() => SyntheticCaps.Run(options, progress, context.Cancel));
            {
                context.Output.WriteLine($"Synthetic CAPS written to {result.OutputDir} ({result.Participants.Count} images).");
                context.Output.WriteLine($"Label files: {result.LabelsFolder}/AD.tsv and CN.tsv; next: clinicadl tsvtool kfold {result.LabelsFolder} --n_splits 2");
                if (result.MaskNames.Count > 0)
                    context.Output.WriteLine($"Masks for --roi_list: {string.Join(", ", result.MaskNames)}");
                if (result.KeptFiles.Count > 0)
                    context.Error.WriteLine($"clinicadl: warning: kept {result.KeptFiles.Count} file(s) of {result.OutputDir} that generate did not write (first: {result.KeptFiles[0]}); they may describe the earlier data set.");
            }
            return CliApp.Success;
        });
        return cmd;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, serialised.</summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    private readonly object gate = new();

    public void Report(T value)
    {
        lock (gate) handler(value);
    }
}
