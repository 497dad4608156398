using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;

namespace ClinicaDl.Options;

/// <summary>A data mode of <c>clinicadl train &lt;mode&gt;</c> and its own options: what the mode cuts from an image
/// (<see cref="Elements"/>), which networks and models it offers, and its <c>commandline.json</c> keys.</summary>
/// <remarks>
/// One subclass per mode (<see cref="RoiOptions"/>; image, patch and slice next). Nothing outside these types
/// branches on the mode: adding a mode is a subclass, its <see cref="IElementSet"/>, a line in <see cref="Named"/> and
/// its CLI verb.
/// </remarks>
public abstract record ModeOptions
{
    /// <summary>The mode's name: the verb after <c>train</c> and <c>commandline.json</c>'s <c>"mode"</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The network kinds the mode offers, in ClinicaDL's order.</summary>
    public abstract IReadOnlyList<NetworkKind> Networks { get; }

    /// <summary>The MODEL names the mode trains; the first is the default.</summary>
    public abstract IReadOnlyList<string> Models { get; }

    /// <summary>The model a record without <c>"model"</c> used.</summary>
    public string DefaultModel => Models[0];

    /// <summary>Whether the autoencoder takes <c>--visualization</c> (0.2.1's slice autoencoder does not).</summary>
    public virtual bool HasVisualization => true;

    /// <summary>Whether the CNNs take <c>--selection_threshold</c> (only modes that vote elements to the image level).</summary>
    public virtual bool HasSelectionThreshold => true;

    /// <summary>Channels of every element the mode's networks take (slices: 3 identical RGB planes); a random-search
    /// <c>RandomArchitecture</c> is built for this many input channels (spec verbs §3.6).</summary>
    public virtual int ElementChannels => 1;

    /// <summary>The PREPROCESSING values the mode trains on: <c>t1-linear</c>; image mode also <c>shepplogan</c> (0.2.1's
    /// patch, roi and slice datasets reject the phantoms).</summary>
    public virtual IReadOnlyList<string> Preprocessings => [CapsLayout.T1Linear];

    /// <summary>Elements per image when the options alone say it (a multicnn transfer source must have as many networks), else null.</summary>
    public virtual int? ElementCount => null;

    /// <summary>Whether <c>-un/--unnormalize</c> may be given (slice mode refuses it: slices are quantised after normalisation).</summary>
    public virtual bool AllowsUnnormalize => true;

    /// <summary>The mode's keys of a random-search job's <c>commandline.json</c>, in the order 0.2.1's <c>random_sampling</c>
    /// draws them (spec verbs §3.4, §3.7): by default the soft-voting threshold, then the mode's own keys in <see cref="TrainSchema"/>'s order.</summary>
    internal virtual IEnumerable<KeyValuePair<string, object?>> SearchPairs(TrainOptions o)
        => TrainSchema.All.Where(x => x.ModeType is not null && x.Key is not null && !x.Ours && x.Offered(this, o.NetworkKind))
            .Select(x => x.Pair(o)).Prepend(TrainSchema.SelectionThreshold.Pair(o));

    /// <summary>Checks the mode's options and the model, before any file is read.</summary>
    /// <exception cref="InvalidOptionException">A bad value, naming the option.</exception>
    internal abstract void Check(TrainOptions o);

    /// <summary>Resolves what is cut from each image of <paramref name="sessions"/> and checks it against the network, reading headers and masks only.</summary>
    /// <exception cref="ClinicaDlException">Missing or malformed inputs, or elements the network cannot take.</exception>
    internal abstract IElementSet Elements(TrainOptions o, IReadOnlyList<Cohort> cohorts, IReadOnlyList<Session> sessions);

    /// <summary>The mode's own network for <paramref name="o"/> (slice mode's resnet18 with its ImageNet weights), or null
    /// when MODEL is one of the <see cref="Networks.Architecture"/> networks that <see cref="NetworkFactory"/> builds.</summary>
    internal virtual TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>? CreateNetwork(TrainOptions o) => null;

    /// <summary>Weights copied into every network the run trains from scratch (slice mode: resnet18's ImageNet weights), read and
    /// checked once while the run is planned; null when networks start from their initialisation alone.</summary>
    /// <exception cref="ClinicaDlException">The weights file cannot be read or does not fit the network.</exception>
    internal virtual Networks.IInitialWeights? ReadInitialWeights(TrainOptions o) => null;

    /// <summary>Lines the run adds to environment.txt about how its networks start (slice mode: which ImageNet weights, or none).</summary>
    public virtual IReadOnlyList<string> EnvironmentNotes(TrainOptions o) => [];

    /// <summary>Warnings the run prints before training (slice mode: training from random weights).</summary>
    public virtual IReadOnlyList<string> Warnings(TrainOptions o) => [];

    /// <summary>The mode named <paramref name="name"/> (<c>commandline.json</c>'s <c>"mode"</c>) at its defaults, or null for a mode this version does not train.</summary>
    internal static ModeOptions? Named(string name) => name switch
    {
        "roi" => new RoiOptions(),
        "image" => new ImageOptions(),
        "patch" => new PatchOptions(),
        "slice" => new SliceOptions(),
        _ => null,
    };
}
