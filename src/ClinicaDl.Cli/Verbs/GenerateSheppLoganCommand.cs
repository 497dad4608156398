using System.CommandLine;
using System.Globalization;
using ClinicaDl.Generate;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl generate shepplogan OUTPUT_DIR</c> (verbs spec §6.1): 2-D phantoms saved as PyTorch tensors.</summary>
internal static class GenerateSheppLoganCommand
{
    public static Command Build(CliContext context)
    {
        var output = new Argument<string>("OUTPUT_DIR") { Description = "Folder of the phantoms (subjects/), data.tsv, missing_mods/ and labels/." };
        var n = OptionFactory.Int("--n_subjects", "n: 2n phantoms are written (n AD, n CN).", 300, 1);
        var size = OptionFactory.Int("--image_size", "Side of the square images, in pixels.", 128, 1);
        var cn = Probabilities("--CN_subtypes_distribution", "Probabilities of subtypes 0, 1, 2 for CN.", SheppLoganOptions.DefaultCn, "-Csd");
        var ad = Probabilities("--AD_subtypes_distribution", "Probabilities of subtypes 0, 1, 2 for AD.", SheppLoganOptions.DefaultAd, "-Asd");
        var smoothing = OptionFactory.Flag("--smoothing", "Blur each phantom with a Gaussian of random width.");
        var seed = OptionFactory.Int("--seed", "Seed of the subtypes and the phantoms.", 0, int.MinValue);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace a data set generated earlier in OUTPUT_DIR.");
        var cmd = new Command("shepplogan", "2-D Shepp-Logan-like phantoms, AD and CN differing by the size of two regions (subtypes).")
            { output, n, size, cn, ad, smoothing, seed, overwrite };
        cmd.SetAction(r =>
        {
            var options = new SheppLoganOptions(r.GetValue(output)!, r.GetValue(n), r.GetValue(size), r.GetValue(cn), r.GetValue(ad),
                r.GetValue(smoothing), r.GetValue(seed), r.GetValue(overwrite));
            var renderer = context.Renderer();
            var progress = new SynchronousProgress<GenerateProgress>(p => renderer.Count("generate", p.Written, p.Total, "phantoms written"));
            var result = renderer.Run(() => SheppLoganDataset.Run(options, progress, context.Cancel));
            context.Output.WriteLine($"Shepp-Logan phantoms written to {result.OutputDir} ({result.Images} images).");
            context.Output.WriteLine($"Label files: {result.LabelsFolder}/AD.tsv and CN.tsv; or: clinicadl tsvtool getlabels {result.OutputDir}/data.tsv {result.OutputDir}/missing_mods LABELS_DIR");
            return CliApp.Success;
        });
        return cmd;
    }

    private static Option<double[]> Probabilities(string name, string description, IReadOnlyList<double> defaultValue, string alias)
    {
        var o = new Option<double[]>(name, alias)
        {
            Description = description, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore, HelpName = "P",
            DefaultValueFactory = _ => [.. defaultValue],
        };
        o.CustomParser = r =>
        {
            var values = new List<double>();
            foreach (var token in r.Tokens)
                if (double.TryParse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) values.Add(v);
                else r.AddError($"{name}: must be numbers, not '{token.Value}'.");
            return [.. values];
        };
        return o;
    }
}
