using System.CommandLine;
using ClinicaDl.Options;

namespace ClinicaDl.Cli.Verbs;

/// <summary>The command-line side of a mode of <c>train</c>: its verb, help texts and own options (the shared ones are <see cref="TrainCommand"/>'s).</summary>
internal abstract class ModeVerb
{
    /// <summary>The mode's options at their defaults: name, networks, models, which network options it takes.</summary>
    public abstract ModeOptions Defaults { get; }

    /// <summary>The verb after <c>train</c>.</summary>
    public string Name => Defaults.Name;

    /// <summary>Help of the verb.</summary>
    public abstract string Description { get; }

    /// <summary>Help of the MODEL argument.</summary>
    public abstract string ModelHelp { get; }

    /// <summary>Help of <c>--dropout</c>.</summary>
    public abstract string DropoutHelp { get; }

    /// <summary>Help of network <paramref name="type"/>'s command.</summary>
    public abstract string Describe(NetworkType type);

    /// <summary>Adds the mode's options to <paramref name="command"/> (in 0.2.1's order) and returns how to read them back.</summary>
    public abstract Func<ParseResult, ModeOptions> AddOptions(Command command);
}

/// <summary><c>train roi</c>: ROIs cut from the image (the hippocampus cubes or mask ROIs).</summary>
internal sealed class RoiVerb : ModeVerb
{
    /// <inheritdoc />
    public override ModeOptions Defaults { get; } = new RoiOptions();

    /// <inheritdoc />
    public override string Description => "Region-of-interest training (ClinicaDL 0.2.1's train roi).";

    /// <inheritdoc />
    public override string ModelHelp => "Architecture (ClinicaDL 0.2.1's ROI network).";

    /// <inheritdoc />
    public override string DropoutHelp => "Dropout probability of Conv4_FC3's two dropout layers.";

    /// <inheritdoc />
    public override string Describe(NetworkType type) => type switch
    {
        NetworkType.Cnn => "One Conv4_FC3 trained on all ROIs of every image; ROI-level and image-level (soft voting) results.",
        NetworkType.MultiCnn => "One Conv4_FC3 per ROI; image-level results by soft voting across networks.",
        _ => "The autoencoder derived from Conv4_FC3's convolutional part (reconstruction, MSE loss).",
    };

    /// <inheritdoc />
    public override Func<ParseResult, ModeOptions> AddOptions(Command command)
    {
        var roiList = OptionFactory.List("--roi_list", "Names of mask-defined ROIs (default: the two hippocampus cubes).", "ROI", "-rl");
        var uncropped = OptionFactory.Flag("--uncropped_roi", "Keep the whole image grid instead of the mask's bounding box.");
        var extracted = OptionFactory.Flag("--use_extracted_roi", "Read ROI tensors written by clinicadl extract roi.");
        command.Options.Add(roiList);
        command.Options.Add(uncropped);
        command.Options.Add(extracted);
        return r =>
        {
            var names = r.GetValue(roiList);
            return new RoiOptions(names is { Length: > 0 } ? names : null, r.GetValue(uncropped), r.GetValue(extracted));
        };
    }
}
