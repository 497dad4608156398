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

    /// <summary>Help of the command of each network kind the mode trains (<see cref="ModeOptions.Networks"/>).</summary>
    public abstract IReadOnlyDictionary<NetworkKind, string> Help { get; }

    /// <summary>0.2.1's network kinds this mode refuses (exit 2), with why.</summary>
    public virtual IReadOnlyDictionary<NetworkKind, string> Refused { get; } = new Dictionary<NetworkKind, string>();

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
    public override IReadOnlyDictionary<NetworkKind, string> Help { get; } = new Dictionary<NetworkKind, string>
    {
        [NetworkKind.Cnn] = "One Conv4_FC3 trained on all ROIs of every image; ROI-level and image-level (soft voting) results.",
        [NetworkKind.MultiCnn] = "One Conv4_FC3 per ROI; image-level results by soft voting across networks.",
        [NetworkKind.Autoencoder] = "The autoencoder derived from Conv4_FC3's convolutional part (reconstruction, MSE loss).",
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

/// <summary><c>train slice</c>: 2-D slices of one direction through 0.2.1's resnet18 (spec modes §5).</summary>
internal sealed class SliceVerb : ModeVerb
{
    /// <inheritdoc />
    public override ModeOptions Defaults { get; } = new SliceOptions();

    /// <inheritdoc />
    public override string Description => "Slice training: 2-D slices of one direction, resized to 224×224, through resnet18 (ClinicaDL 0.2.1's train slice).";

    /// <inheritdoc />
    public override string ModelHelp => "Architecture (ClinicaDL 0.2.1's slice network).";

    /// <inheritdoc />
    public override string DropoutHelp => "Dropout probability between resnet18's fc and fc_out.";

    /// <inheritdoc />
    public override IReadOnlyDictionary<NetworkKind, string> Help { get; } = new Dictionary<NetworkKind, string>
    {
        [NetworkKind.Cnn] = "One resnet18 trained on all used slices of every image; slice-level and image-level (soft voting) results.",
        [NetworkKind.MultiCnn] = "One resnet18 per slice position; image-level results by soft voting across networks.",
    };

    /// <inheritdoc />
    public override IReadOnlyDictionary<NetworkKind, string> Refused { get; } = new Dictionary<NetworkKind, string>
    {
        [NetworkKind.Autoencoder] = "not available: ClinicaDL 0.2.1's slice autoencoder cannot run (resnet18 has no convolutional features to mirror into a decoder, spec M7); use train slice cnn or multicnn, or train roi/patch/image autoencoder",
    };

    /// <inheritdoc />
    public override Func<ParseResult, ModeOptions> AddOptions(Command command)
    {
        var direction = OptionFactory.Int("--slice_direction", "Slice axis: 0 sagittal, 1 coronal, 2 axial.", 0, int.MinValue, "-sd");
        var discarded = OptionFactory.IntList("--discarded_slices", "Slices dropped at the beginning and the end: one value for both, or two (default 20).", int.MinValue);
        var extracted = OptionFactory.Flag("--use_extracted_slices", "Read the rgb slice tensors written by clinicadl extract slice (same -sd).");
        var weights = OptionFactory.Text("--imagenet_weights", "torchvision's ResNet-18 ImageNet state dict (default: resnet18-5c106cde.pth in torch hub's cache; without it training starts from random weights).", helpName: "FILE");
        command.Options.Add(direction);
        command.Options.Add(discarded);
        command.Options.Add(extracted);
        command.Options.Add(weights);
        return r =>
        {
            var d = r.GetValue(discarded);
            return new SliceOptions(r.GetValue(direction), d is { Length: > 0 } ? d : null, r.GetValue(extracted), r.GetValue(weights));
        };
    }
}
