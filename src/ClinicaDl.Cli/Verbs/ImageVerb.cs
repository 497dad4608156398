using System.CommandLine;
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
    public override string ModelHelp => "Architecture (ClinicaDL 0.2.1's image networks; Conv4_FC3 for the autoencoder only).";

    /// <inheritdoc />
    public override string DropoutHelp => "Dropout probability of the network's dropout layer.";

    /// <inheritdoc />
    public override IReadOnlyDictionary<NetworkKind, string> Help { get; } = new Dictionary<NetworkKind, string>
    {
        [NetworkKind.Cnn] = "One network on whole images; image-level results.",
        [NetworkKind.Autoencoder] = "The autoencoder derived from MODEL's convolutional part (reconstruction of whole images, MSE loss).",
    };

    /// <inheritdoc />
    public override Func<ParseResult, ModeOptions> AddOptions(Command command) => _ => Defaults;
}
