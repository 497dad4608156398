using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>A 0.2.1 network by its MODEL name: its convolutional features, the feature map its classifier is sized for, and how to build it.</summary>
/// <remarks>
/// Whether a network fits an input is computed from the layer arithmetic (<see cref="ConvFeatures.OutputShape"/>),
/// so a run is refused before its first epoch, naming the model and the input shape, where 0.2.1 fails at the first
/// Linear layer (decision 14). Autoencoders use only the features: a padded network's autoencoder takes any input.
/// </remarks>
/// <param name="Name">The MODEL name, as on 0.2.1's command line.</param>
/// <param name="Features">The convolutional part.</param>
/// <param name="FlattenedShape">The feature map (C, X, Y, Z) the classifier's first Linear layer is sized for.</param>
/// <param name="Hidden">Width of the first hidden layer.</param>
/// <param name="Variational">True for VConv5_FC3 (latent sample + KL term).</param>
public sealed record Architecture(string Name, ConvFeatures Features, IReadOnlyList<int> FlattenedShape, int Hidden, bool Variational = false)
{
    /// <summary>0.2.1's ROI and patch network (spec ROI §5.2).</summary>
    public static readonly Architecture Conv4Fc3 = new("Conv4_FC3", ConvFeatures.Conv4, [50, 2, 2, 2], 50);

    /// <summary>The image network of the ClinicaDL paper: 42,293,972 parameters, t1-linear 169×208×179 inputs.</summary>
    public static readonly Architecture Conv5Fc3 = new("Conv5_FC3", ConvFeatures.Conv5, [128, 6, 7, 6], 1300);

    /// <summary>Conv5_FC3 with a classifier sized for the 121×145×121 Ixi549Space grid (t1-extensive / t1-volume).</summary>
    public static readonly Architecture Conv5Fc3Mni = new("Conv5_FC3_mni", ConvFeatures.Conv5, [128, 4, 5, 4], 1300);

    /// <summary>Six blocks up to 256 channels: 10,447,376 parameters.</summary>
    public static readonly Architecture Conv6Fc3 = new("Conv6_FC3", ConvFeatures.Conv6, [256, 3, 4, 3], 1000);

    /// <summary>The variational image network: 84,228,072 parameters.</summary>
    public static readonly Architecture VConv5Fc3 = new("VConv5_FC3", ConvFeatures.Conv5, [128, 6, 7, 6], 1300, Variational: true);

    /// <summary>The whole-image networks of 0.2.1 (spec modes §3.2), in the order its docs list them.</summary>
    public static readonly IReadOnlyList<Architecture> ImageNetworks = [Conv5Fc3, Conv5Fc3Mni, Conv6Fc3, VConv5Fc3];

    /// <summary>Every architecture by name.</summary>
    public static readonly IReadOnlyList<Architecture> All = [Conv4Fc3, .. ImageNetworks];

    /// <summary>The architecture called <paramref name="name"/> (case-sensitive, as 0.2.1), or null.</summary>
    public static Architecture? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    /// <summary>Input size of the first Linear layer (C·X·Y·Z).</summary>
    public int FlattenedSize => FlattenedShape.Aggregate(1, (a, b) => a * b);

    /// <summary>Builds the classifier, with PyTorch's default initialisation (seed LibTorch's generator first for reproducible weights).</summary>
    public nn.Module<Tensor, Tensor> CreateCnn(double dropout) => this switch
    {
        { Variational: true } => new VConv5Fc3(),
        _ when ReferenceEquals(this, Conv4Fc3) => new Networks.Conv4Fc3(dropout),
        _ => new ImageCnn(this, dropout),
    };

    /// <summary>Builds the autoencoder 0.2.1 derives from this network (spec modes §3.4): its features as the encoder and the mirrored decoder.</summary>
    public AutoEncoder CreateAutoEncoder() => new(Features);

    /// <summary>The input sides per axis (inclusive) that give the classifier's feature map, e.g. 161–192 × 193–224 × 161–192 for Conv5_FC3.</summary>
    public string AcceptedSides => string.Join(" × ", FlattenedShape.Skip(1).Select(side => Features.SidesGiving(side) is (int lo, int hi) ? $"{lo}–{hi}" : "none"));

    /// <summary>Why the classifier cannot take inputs of spatial shape <paramref name="input"/>, or null when it can.</summary>
    public string? CnnFitProblem(IReadOnlyList<int> input)
    {
        var map = Features.OutputShape(input);
        if (map.SequenceEqual(FlattenedShape.Skip(1).Select(s => (long)s)))
            return null;
        string actual = map.Any(s => s == 0)
            ? "these are too small for its convolutions"
            : $"these give {Features.OutputChannels}×{ConvFeatures.ShapeText(map)}";
        return $"{Name} does not fit {ConvFeatures.ShapeText(input.Select(s => (long)s))} images: its classifier takes a "
            + $"{ConvFeatures.ShapeText(FlattenedShape.Select(s => (long)s))} feature map (inputs of {AcceptedSides} voxels), and {actual}.";
    }

    /// <summary>Why the autoencoder cannot take inputs of spatial shape <paramref name="input"/>, or null when it can.</summary>
    public string? AutoEncoderFitProblem(IReadOnlyList<int> input)
    {
        int min = Features.MinimumSide;
        return input.All(s => s >= min) ? null
            : $"the autoencoder of {Name} does not fit {ConvFeatures.ShapeText(input.Select(s => (long)s))} inputs: it needs at least {min} voxels per side.";
    }
}
