using System.CommandLine;
using ClinicaDl.Elements;
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
    public override string ModelHelp => "Architecture (ClinicaDL 0.2.1's patch network).";

    /// <inheritdoc />
    public override string DropoutHelp => "Dropout probability of Conv4_FC3's two dropout layers.";

    /// <inheritdoc />
    public override IReadOnlyDictionary<NetworkKind, string> Help { get; } = new Dictionary<NetworkKind, string>
    {
        [NetworkKind.Cnn] = "One Conv4_FC3 trained on all patches of every image; patch-level and image-level (soft voting) results.",
        [NetworkKind.MultiCnn] = "One Conv4_FC3 per patch location; image-level results by soft voting across networks.",
        [NetworkKind.Autoencoder] = "The autoencoder derived from Conv4_FC3's convolutional part, on every patch (reconstruction, MSE loss).",
    };

    /// <inheritdoc />
    public override Func<ParseResult, ModeOptions> AddOptions(Command command)
    {
        var patchSize = OptionFactory.Int("--patch_size", "Side of the cubic patches, in voxels (47..62 for Conv4_FC3; ≥ 31 for its autoencoder).", PatchGrid.DefaultSize, int.MinValue, "-ps");
        var strideSize = OptionFactory.Int("--stride_size", "Distance between the origins of consecutive patches on every axis.", PatchGrid.DefaultSize, int.MinValue, "-ss");
        var extracted = OptionFactory.Flag("--use_extracted_patches", "Read patch tensors written by clinicadl extract patch (same -ps/-ss).");
        command.Options.Add(patchSize);
        command.Options.Add(strideSize);
        command.Options.Add(extracted);
        return r => new PatchOptions(r.GetValue(patchSize), r.GetValue(strideSize), r.GetValue(extracted));
    }
}
