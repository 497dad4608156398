using ClinicaDl.Options;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>train image</c>: whole images (spec modes §3); no options of its own.</summary>
internal sealed class ImageVerb : ModeVerb
{
    /// <inheritdoc />
    public override ModeOptions Defaults { get; } = new ImageOptions();

    /// <inheritdoc />
    public override string Description => "Whole-image training (ClinicaDL 0.2.1's train image).";

    /// <inheritdoc />
    public override IReadOnlyDictionary<NetworkKind, string> Help { get; } = new Dictionary<NetworkKind, string>
    {
        [NetworkKind.Cnn] = "One network on whole images; image-level results.",
        [NetworkKind.Autoencoder] = "The autoencoder derived from MODEL's convolutional part (reconstruction of whole images, MSE loss).",
    };
}
