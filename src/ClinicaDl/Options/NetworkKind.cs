using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Options;

/// <summary>The name of a network kind of <c>train &lt;mode&gt;</c>: a constant for attributes and tests. What the kinds
/// do differently is <see cref="NetworkKind"/>'s, which <see cref="NetworkKind.Of"/> gives.</summary>
public enum NetworkType
{
    /// <summary><c>autoencoder</c>: the autoencoder derived from MODEL's convolutional part.</summary>
    Autoencoder,
    /// <summary><c>cnn</c>: one network on every element of the images.</summary>
    Cnn,
    /// <summary><c>multicnn</c>: one network per element position (ROI, patch location, slice).</summary>
    MultiCnn,
}

/// <summary>A network kind of <c>train &lt;mode&gt;</c> (cnn, multicnn, autoencoder) and everything that differs between
/// them: its name on the command line and in <c>commandline.json</c>, its task (classification or reconstruction), how many
/// networks a fold trains, the options it takes, the network it builds, the verbs its results feed, and the transfer rules.</summary>
/// <remarks>
/// Nothing outside this file branches on the kind (a test scans src/ for it): code asks the kind a property or calls
/// one of its methods. Where a mode's rule depends on the kind (ROI shapes, patch sizes, at least two elements for
/// multicnn), the mode asks the kind's <see cref="Reconstructs"/>, <see cref="NetworkPerElement"/> or
/// <see cref="MinimumElements"/>.
/// </remarks>
public abstract class NetworkKind
{
    /// <summary><c>autoencoder</c>.</summary>
    public static readonly NetworkKind Autoencoder = new AutoencoderKind();

    /// <summary><c>cnn</c>.</summary>
    public static readonly NetworkKind Cnn = new CnnKind();

    /// <summary><c>multicnn</c>.</summary>
    public static readonly NetworkKind MultiCnn = new MultiCnnKind();

    /// <summary>Every kind, in <see cref="NetworkType"/>'s order.</summary>
    public static IReadOnlyList<NetworkKind> All { get; } = [Autoencoder, Cnn, MultiCnn];

    /// <summary>The kind named <paramref name="type"/>.</summary>
    public static NetworkKind Of(NetworkType type) => All.First(k => k.Type == type);

    /// <summary>The kind whose command-line name is <paramref name="name"/>, or null.</summary>
    public static NetworkKind? Named(string name) => All.FirstOrDefault(k => k.Name == name);

    private protected NetworkKind() { }

    /// <summary>The kind's constant name.</summary>
    public abstract NetworkType Type { get; }

    /// <summary>The verb after <c>train &lt;mode&gt;</c> and <c>commandline.json</c>'s <c>network_type</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the networks reconstruct their input (MSE loss, no labels, no voting) rather than classify it.</summary>
    public abstract bool Reconstructs { get; }

    /// <summary>Whether a fold trains one network per element position (multicnn) rather than one network on every element.</summary>
    public abstract bool NetworkPerElement { get; }

    /// <summary>Elements per image the kind needs (multicnn: two, else it would be a cnn).</summary>
    public int MinimumElements => NetworkPerElement ? 2 : 1;

    /// <summary>The networks of a fold whose images have <paramref name="elementCount"/> elements each: null for the one network
    /// of every element, or the element position of each multicnn network.</summary>
    public IReadOnlyList<int?> NetworkIds(int elementCount)
        => NetworkPerElement ? Enumerable.Range(0, elementCount).Select(k => (int?)k).ToList() : [null];

    /// <summary>The first network of a fold (whose files tell whether a fold holds models).</summary>
    public int? FirstNetwork => NetworkIds(1)[0];

    /// <summary>Training samples an image gives to one network: every element, or the one at the network's position.</summary>
    public int SamplesPerImage(int elementCount) => NetworkPerElement ? 1 : elementCount;

    /// <summary>Whether the kind takes <c>--transfer_learning_selection</c> and <c>--selection_threshold</c> (the classifiers).</summary>
    public bool TakesSelection => !Reconstructs;

    /// <summary>Whether the kind takes <c>--visualization</c> (the autoencoder).</summary>
    public bool TakesVisualization => Reconstructs;

    /// <summary>The best model a transfer from this kind loads whatever was asked (an autoencoder has only <c>best_loss</c>), or null.</summary>
    public string? FixedSelection => Reconstructs ? "best_loss" : null;

    /// <summary>The <c>--transfer_learning_selection</c> of a run of this kind that did not give one.</summary>
    public string DefaultSelection => FixedSelection ?? "best_balanced_accuracy";

    /// <summary>Why <c>classify</c> refuses results of this kind (as the expected-value text of MODEL_PATH), or null.</summary>
    public virtual string? ClassifyRefusal => null;

    /// <summary>Why <c>interpret</c> refuses results of this kind (as the expected-value text of MODEL_PATH), or null.</summary>
    public virtual string? InterpretRefusal => null;

    /// <summary>A fresh network of this kind for MODEL <paramref name="architecture"/> (or the random-search job's architecture).</summary>
    internal abstract nn.Module<Tensor, Tensor> Create(TrainOptions o, Func<Architecture> architecture, IReadOnlyList<int> elementShape);

    /// <summary>Why this kind's network of <paramref name="architecture"/> cannot take elements of <paramref name="elementShape"/>, or null.</summary>
    internal abstract string? FitProblem(Architecture architecture, IReadOnlyList<int> elementShape);

    /// <summary>Why a results folder of kind <paramref name="source"/> (whose images have <paramref name="sourceElements"/>
    /// elements when its options say it) cannot initialise this kind's networks on images
    /// of <paramref name="elementCount"/> elements, as the expected-value text of <c>--transfer_learning_path</c>; or null.</summary>
    internal abstract string? TransferRefusal(NetworkKind source, int? sourceElements, int elementCount);

    /// <summary>The network of a source of this kind that initialises the target's network <paramref name="targetNetwork"/>.</summary>
    internal int? SourceNetwork(int? targetNetwork) => NetworkPerElement ? targetNetwork : null;

    /// <summary>Whether a source of this kind gives only its encoder (as <c>features</c>) to a network of kind <paramref name="target"/>.</summary>
    internal bool GivesEncoderOnly(NetworkKind target) => Reconstructs && !target.Reconstructs;

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class AutoencoderKind : NetworkKind
    {
        public override NetworkType Type => NetworkType.Autoencoder;
        public override string Name => "autoencoder";
        public override bool Reconstructs => true;
        public override bool NetworkPerElement => false;
        public override string ClassifyRefusal => "a cnn or multicnn results folder (an autoencoder does not classify)";
        public override string InterpretRefusal => "a cnn results folder: an autoencoder has no class logit to explain";

        internal override nn.Module<Tensor, Tensor> Create(TrainOptions o, Func<Architecture> architecture, IReadOnlyList<int> elementShape)
            => architecture().CreateAutoEncoder();

        internal override string? FitProblem(Architecture architecture, IReadOnlyList<int> elementShape) => architecture.AutoEncoderFitProblem(elementShape);

        internal override string? TransferRefusal(NetworkKind source, int? sourceElements, int elementCount) => source.Reconstructs ? null
            : $"an autoencoder results folder for an autoencoder (transfer learning from {source.Name} to autoencoder is not implemented, as in ClinicaDL)";
    }

    /// <summary>What cnn and multicnn share: a classifier of MODEL, or the random-search job's RandomArchitecture.</summary>
    private abstract class ClassifierKind : NetworkKind
    {
        public override bool Reconstructs => false;

        internal override nn.Module<Tensor, Tensor> Create(TrainOptions o, Func<Architecture> architecture, IReadOnlyList<int> elementShape)
            => o.Architecture is { } a
                ? new RandomArchitecture(a.Convolutions, a.FcBlocks, [o.Mode.ElementChannels, .. elementShape], o.Optimization.Dropout, a.Normalization)
                : architecture().CreateCnn(o.Optimization.Dropout);

        internal override string? FitProblem(Architecture architecture, IReadOnlyList<int> elementShape) => architecture.CnnFitProblem(elementShape);
    }

    private sealed class CnnKind : ClassifierKind
    {
        public override NetworkType Type => NetworkType.Cnn;
        public override string Name => "cnn";
        public override bool NetworkPerElement => false;

        internal override string? TransferRefusal(NetworkKind source, int? sourceElements, int elementCount) => !source.NetworkPerElement ? null
            : "a cnn or autoencoder results folder for cnn (a multicnn folder holds one network per ROI, patch or slice; train multicnn to use it)";
    }

    private sealed class MultiCnnKind : ClassifierKind
    {
        public override NetworkType Type => NetworkType.MultiCnn;
        public override string Name => "multicnn";
        public override bool NetworkPerElement => true;
        public override string InterpretRefusal => "a cnn results folder: the interpretation of multicnn is not implemented (as in ClinicaDL 0.2.1)";

        internal override string? TransferRefusal(NetworkKind source, int? sourceElements, int elementCount)
            => source.NetworkPerElement && sourceElements is int n && n != elementCount ? $"a multicnn folder with {elementCount} networks (it has {n})" : null;
    }
}
