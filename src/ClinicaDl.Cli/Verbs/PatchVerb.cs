using ClinicaDl.Options;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>train patch</c>: cubic patches on a regular grid (spec modes §4).</summary>
internal sealed class PatchVerb : ModeVerb
{
    /// <inheritdoc />
    public override ModeOptions Defaults { get; } = new PatchOptions();

    /// <inheritdoc />
    public override string Description => "Patch training (ClinicaDL 0.2.1's train patch): cubic patches cut on a regular grid.";

    /// <inheritdoc />
    public override IReadOnlyDictionary<NetworkKind, string> Help { get; } = new Dictionary<NetworkKind, string>
    {
        [NetworkKind.Cnn] = "One Conv4_FC3 trained on all patches of every image; patch-level and image-level (soft voting) results.",
        [NetworkKind.MultiCnn] = "One Conv4_FC3 per patch location; image-level results by soft voting across networks.",
        [NetworkKind.Autoencoder] = "The autoencoder derived from Conv4_FC3's convolutional part, on every patch (reconstruction, MSE loss).",
    };
}
