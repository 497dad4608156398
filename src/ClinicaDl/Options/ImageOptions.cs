using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Networks;

namespace ClinicaDl.Options;

/// <summary>The image mode (<c>train image</c>, spec modes §3): one element per session, the whole image. It has no options of its own.</summary>
public sealed record ImageOptions : ModeOptions
{
    /// <inheritdoc />
    public override string Name => "image";

    /// <inheritdoc />
    public override IReadOnlyList<NetworkKind> Networks => [NetworkKind.Cnn, NetworkKind.Autoencoder];

    /// <inheritdoc />
    /// <remarks>Conv4_FC3 only gives an autoencoder here (its classifier does not fit whole images; refused by the fit check).</remarks>
    public override IReadOnlyList<string> Models => [.. Architecture.ImageNetworks.Select(a => a.Name), Architecture.Conv4Fc3.Name];

    /// <inheritdoc />
    public override bool HasSelectionThreshold => false;

    /// <inheritdoc />
    public override int? ElementCount => 1;

    /// <inheritdoc />
    /// <remarks><c>shepplogan</c>: the 2-D phantoms of <c>generate shepplogan</c>, trained by random-search's RandomArchitecture (spec verbs §3.2).</remarks>
    public override IReadOnlyList<string> Preprocessings => [CapsLayout.T1Linear, PhantomImages.Preprocessing];

    /// <inheritdoc />
    /// <remarks>0.2.1 samples no threshold in image mode (nothing is voted).</remarks>
    internal override IEnumerable<KeyValuePair<string, object?>> SearchPairs(TrainOptions o) => [];

    /// <inheritdoc />
    internal override void Check(TrainOptions o)
    {
        if (o.Architecture is null && !Models.Contains(o.Model))
            throw new InvalidOptionException("MODEL", string.Join(", ", Models) + " (the image networks of ClinicaDL 0.2.1)", o.Model);
        if (o.Preprocessing == PhantomImages.Preprocessing && (o.Architecture is null || o.NetworkKind.Reconstructs))
            throw new InvalidOptionException("PREPROCESSING", $"{CapsLayout.T1Linear}: the 2-D shepplogan phantoms are trained by a random-search cnn job "
                + "(\"mode\": \"image\", \"preprocessing\": \"shepplogan\" in random_search.json), whose RandomArchitecture is 2-D; the image networks are 3-D", o.Preprocessing);
        if (o.NetworkKind.NetworkPerElement)
            throw new InvalidOptionException("network", "cnn or autoencoder (multicnn is not offered for images, as in ClinicaDL 0.2.1)", "multicnn");
    }

    /// <inheritdoc />
    internal override IElementSet Elements(TrainOptions o, IReadOnlyList<Cohort> cohorts, IReadOnlyList<Session> sessions)
    {
        if (o.Preprocessing == PhantomImages.Preprocessing)
            return new PhantomElements(PhantomImages.Check(sessions), !o.Data.Unnormalize);
        int[] shape = CapsImages.Check(sessions, anyGrid: true);
        if (NetworkFactory.FitProblem(o, shape) is string problem)
            throw new InvalidOptionException("MODEL", problem.TrimEnd('.'));
        return new ImageElements(shape, !o.Data.Unnormalize);
    }
}
