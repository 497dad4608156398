using ClinicaDl.Options;

namespace ClinicaDl.Cli.Verbs;

/// <summary>The command-line side of a mode of <c>train</c>: its verb and help texts (its options are <see cref="TrainSchema"/>'s).</summary>
internal abstract class ModeVerb
{
    /// <summary>The mode's options at their defaults: name, networks, models, which network options it takes.</summary>
    public abstract ModeOptions Defaults { get; }

    /// <summary>The verb after <c>train</c>.</summary>
    public string Name => Defaults.Name;

    /// <summary>Help of the verb.</summary>
    public abstract string Description { get; }

    /// <summary>Help of the command of each network kind the mode trains (<see cref="ModeOptions.Networks"/>).</summary>
    public abstract IReadOnlyDictionary<NetworkKind, string> Help { get; }

    /// <summary>0.2.1's network kinds this mode refuses (exit 2), with why.</summary>
    public virtual IReadOnlyDictionary<NetworkKind, string> Refused { get; } = new Dictionary<NetworkKind, string>();
}

/// <summary><c>train roi</c>: ROIs cut from the image (the hippocampus cubes or mask ROIs).</summary>
internal sealed class RoiVerb : ModeVerb
{
    /// <inheritdoc />
    public override ModeOptions Defaults { get; } = new RoiOptions();

    /// <inheritdoc />
    public override string Description => "Region-of-interest training (ClinicaDL 0.2.1's train roi).";

    /// <inheritdoc />
    public override IReadOnlyDictionary<NetworkKind, string> Help { get; } = new Dictionary<NetworkKind, string>
    {
        [NetworkKind.Cnn] = "One Conv4_FC3 trained on all ROIs of every image; ROI-level and image-level (soft voting) results.",
        [NetworkKind.MultiCnn] = "One Conv4_FC3 per ROI; image-level results by soft voting across networks.",
        [NetworkKind.Autoencoder] = "The autoencoder derived from Conv4_FC3's convolutional part (reconstruction, MSE loss).",
    };
}

/// <summary><c>train slice</c>: 2-D slices of one direction through 0.2.1's resnet18 (spec modes §5).</summary>
internal sealed class SliceVerb : ModeVerb
{
    /// <inheritdoc />
    public override ModeOptions Defaults { get; } = new SliceOptions();

    /// <inheritdoc />
    public override string Description => "Slice training: 2-D slices of one direction, resized to 224×224, through resnet18 (ClinicaDL 0.2.1's train slice).";

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
}
