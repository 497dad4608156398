using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Networks;

namespace ClinicaDl.Options;

/// <summary>The patch mode (<c>train patch</c>, spec modes §4) and its options.</summary>
/// <param name="PatchSize"><c>-ps/--patch_size</c>.</param>
/// <param name="StrideSize"><c>-ss/--stride_size</c>.</param>
/// <param name="UseExtractedPatches"><c>--use_extracted_patches</c>.</param>
public sealed record PatchOptions(int PatchSize = PatchGrid.DefaultSize, int StrideSize = PatchGrid.DefaultSize, bool UseExtractedPatches = false) : ModeOptions
{
    /// <inheritdoc />
    public override string Name => "patch";

    /// <inheritdoc />
    public override IReadOnlyList<NetworkKind> Networks => [NetworkKind.Cnn, NetworkKind.MultiCnn, NetworkKind.Autoencoder];

    /// <inheritdoc />
    public override IReadOnlyList<string> Models => [Architecture.Conv4Fc3.Name];

    /// <summary>The patch grid of these options.</summary>
    public PatchGrid Grid => new(PatchSize, StrideSize);

    /// <inheritdoc />
    public override int? ElementCount => PatchSize >= 1 && StrideSize >= 1 ? Grid.Count(CapsLayout.CroppedShape) : null;

    /// <inheritdoc />
    /// <remarks><c>use_extracted_patches</c> is among the search's fixed keys, written before.</remarks>
    internal override IEnumerable<KeyValuePair<string, object?>> SearchPairs(TrainOptions o)
        => [TrainSchema.PatchSize.Pair(o), TrainSchema.SelectionThreshold.Pair(o), TrainSchema.StrideSize.Pair(o)];

    /// <inheritdoc />
    internal override void Check(TrainOptions o)
    {
        if (o.Architecture is null && !Models.Contains(o.Model))
            throw new InvalidOptionException("MODEL", "Conv4_FC3 (the only patch architecture of ClinicaDL 0.2.1)", o.Model);
        if (o.Architecture is not null)
            Grid.Validate(CapsLayout.CroppedShape, 1, int.MaxValue, null); // a random-search RandomArchitecture is sized for its input
        else if (o.NetworkKind.Reconstructs)
        {
            int min = Architecture.Conv4Fc3.Features.MinimumSide;
            Grid.Validate(CapsLayout.CroppedShape, min, int.MaxValue, $"the autoencoder of Conv4_FC3 needs sides of at least {min}");
        }
        else
        {
            Grid.Validate(CapsLayout.CroppedShape, Conv4Fc3.MinSide, Conv4Fc3.MaxSide, $"Conv4_FC3's classifier takes sides {Conv4Fc3.MinSide}..{Conv4Fc3.MaxSide}");
        }
        if (Grid.Count(CapsLayout.CroppedShape) < o.NetworkKind.MinimumElements)
            throw new InvalidOptionException(PatchGrid.StrideSizeOption,
                $"small enough to give at least two patches for multicnn (one network per patch location; -ps {PatchSize} -ss {StrideSize} gives one); use cnn for a single patch",
                StrideSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    internal override IElementSet Elements(TrainOptions o, IReadOnlyList<Cohort> cohorts, IReadOnlyList<Session> sessions)
    {
        var set = new PatchElements(Grid, CapsLayout.CroppedShape, !o.Data.Unnormalize, UseExtractedPatches);
        if (UseExtractedPatches) set.CheckExtracted(sessions);
        else CapsImages.Check(sessions);
        return set;
    }
}
