using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Networks;
using ClinicaDl.Slices;

namespace ClinicaDl.Options;

/// <summary>The slice mode (<c>train slice</c>) and its options (spec modes §1.2, §5).</summary>
/// <param name="SliceDirection"><c>-sd/--slice_direction</c>: 0 sagittal, 1 coronal, 2 axial.</param>
/// <param name="DiscardedSlices"><c>--discarded_slices</c> as given (one or two values), or null for 0.2.1's default 20.</param>
/// <param name="UseExtractedSlices"><c>--use_extracted_slices</c>.</param>
/// <param name="ImageNetWeightsFile"><c>--imagenet_weights</c> (ours): torchvision's ResNet-18 ImageNet file; null looks in torch hub's cache.</param>
public sealed record SliceOptions(int SliceDirection = 0, IReadOnlyList<int>? DiscardedSlices = null, bool UseExtractedSlices = false,
    string? ImageNetWeightsFile = null) : ModeOptions
{
    /// <inheritdoc />
    public override string Name => "slice";

    /// <inheritdoc />
    public override IReadOnlyList<NetworkKind> Networks => [NetworkKind.Cnn, NetworkKind.MultiCnn];

    /// <inheritdoc />
    public override IReadOnlyList<string> Models => [ResNet18.ModelName];

    /// <inheritdoc />
    public override bool HasVisualization => false;

    /// <inheritdoc />
    public override int ElementChannels => 3;

    /// <summary>The direction and discarded slices, checked.</summary>
    /// <exception cref="InvalidOptionException">A value 0.2.1 would accept and misuse (M19, M20).</exception>
    public SliceRange Range => SliceRange.Parse(SliceDirection, DiscardedSlices);

    /// <inheritdoc />
    public override int? ElementCount => Range.Count(CapsLayout.CroppedShape);

    /// <inheritdoc />
    public override bool AllowsUnnormalize => false;

    /// <inheritdoc />
    /// <remarks><c>use_extracted_slices</c> is among the search's fixed keys, written before; the search samples one discarded count.</remarks>
    internal override IEnumerable<KeyValuePair<string, object?>> SearchPairs(TrainOptions o)
        => [new(TrainSchema.DiscardedSlices.Key!, DiscardedSlices is { Count: > 0 } d ? d[0] : SliceRange.DefaultDiscarded),
            TrainSchema.SelectionThreshold.Pair(o), TrainSchema.SliceDirection.Pair(o)];

    /// <inheritdoc />
    internal override void Check(TrainOptions o)
    {
        if (o.Architecture is null && !Models.Contains(o.Model))
            throw new InvalidOptionException("MODEL", "resnet18 (the only slice network of ClinicaDL 0.2.1)", o.Model);
        _ = Range;
        if (o.Data.Unnormalize && !AllowsUnnormalize)
            throw new InvalidOptionException("-un/--unnormalize",
                "is not available in slice mode: slices are quantised to 8 bits after min-max normalisation, as torchvision's ToPILImage does; without it 0.2.1 overflows (spec M12)");
        _ = Weights;
    }

    /// <summary>Where resnet18's ImageNet weights come from, or random initialisation (spec M31: never downloaded).</summary>
    /// <exception cref="InvalidOptionException">An explicit <c>--imagenet_weights</c> file that does not exist.</exception>
    public ImageNetWeights Weights => ClinicaDl.Networks.ImageNetWeights.Locate(ImageNetWeightsFile);

    /// <inheritdoc />
    internal override TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? CreateNetwork(TrainOptions o)
        => o.Architecture is not null ? null : new ResNet18(o.Optimization.Dropout); // a random-search job's RandomArchitecture is built by NetworkFactory

    /// <summary>The ImageNet weights read once for the run (spec M31), unless the network is not resnet18 (a random-search job)
    /// or a transfer-learning source replaces every weight.</summary>
    internal override IInitialWeights? ReadInitialWeights(TrainOptions o) => o.Architecture is null && o.Transfer.Path is null ? Weights.Read() : null;

    /// <inheritdoc />
    public override IReadOnlyList<string> EnvironmentNotes(TrainOptions o) => o.Architecture is not null ? []
        : o.Transfer.Path is null
        ? [Weights.Describe()]
        : [$"resnet18 starts from the transfer-learning source {o.Transfer.Path} (every weight; ImageNet weights are not used)"];

    /// <inheritdoc />
    public override IReadOnlyList<string> Warnings(TrainOptions o) => o.Architecture is null && o.Transfer.Path is null && Weights.IsRandom
        ? [Weights.Describe() + $". Give torchvision's file with --imagenet_weights, or put it in {Weights.SearchedFolder}."]
        : [];

    /// <inheritdoc />
    internal override IElementSet Elements(TrainOptions o, IReadOnlyList<Cohort> cohorts, IReadOnlyList<Session> sessions)
    {
        var range = Range;
        var source = new SliceSource(range, UseExtractedSlices);
        int length;
        if (UseExtractedSlices)
        {
            length = sessions.Count == 0 ? range.Direction.Length(CapsLayout.CroppedShape) : source.CountExtracted(sessions[0]);
            if (length == 0) source.CheckExtracted(sessions.Take(1).ToList(), 1); // names slice 0 of the first session
        }
        else
        {
            CapsImages.Check(sessions);
            length = range.Direction.Length(CapsLayout.CroppedShape);
        }
        int count = length - range.DiscardedStart - range.DiscardedEnd;
        string given = "--discarded_slices " + string.Join(" ", DiscardedSlices ?? [SliceRange.DefaultDiscarded]);
        if (count < 1)
            throw new InvalidOptionException("--discarded_slices",
                $"{given} leaves no slice: the images have {length} {range.Direction.ToString().ToLowerInvariant()} slices, so the slices discarded at both ends must add up to less than {length}");
        if (count < o.NetworkKind.MinimumElements)
            throw new InvalidOptionException("--discarded_slices",
                $"{given} leaves a single slice; multicnn needs at least two (one network per slice): use cnn for a single slice");
        if (UseExtractedSlices) source.CheckExtracted(sessions, count);
        return new SliceElements(source, count);
    }
}
