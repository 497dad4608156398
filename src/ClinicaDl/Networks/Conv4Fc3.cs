using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>ClinicaDL 0.2.1's <c>Conv4_FC3</c> for ROI patches (spec §5.2), with its exact state-dict keys.</summary>
/// <remarks>
/// The name <c>Conv4_FC3</c> changed meaning in ClinicaDL 1.x (5 conv blocks, <c>convolutions.*</c>/<c>fc.*</c>);
/// this is the 0.2.1 network:
/// <code>
/// features:   0 Conv3d(1,15,3)  1 BN(15) 2 ReLU 3 PadMaxPool
///             4 Conv3d(15,25,3) 5 BN(25) 6 ReLU 7 PadMaxPool
///             8 Conv3d(25,50,3) 9 BN(50) 10 ReLU 11 PadMaxPool
///             12 Conv3d(50,50,3) 13 BN(50) 14 ReLU 15 PadMaxPool      → 50×2×2×2 for 47..62³ inputs
/// classifier: 0 Flatten 1 Dropout 2 Linear(400,50) 3 ReLU 4 Dropout 5 Linear(50,40) 6 ReLU 7 Linear(40,2)
/// </code>
/// 134,372 trainable parameters, PyTorch default initialisation (seed LibTorch's generator before construction
/// for reproducible weights). The output is raw logits.
/// </remarks>
public sealed class Conv4Fc3 : nn.Module<Tensor, Tensor>, IMixedPrecisionForward
{
    /// <summary>Channels after each convolution.</summary>
    public static IReadOnlyList<int> Channels => ConvFeatures.Conv4.Channels;

    /// <summary>Flattened feature size expected by the classifier (50 × 2 × 2 × 2).</summary>
    public const int FlattenedSize = 400;

    /// <summary>Smallest and largest side (per axis) that gives the 2×2×2 feature map the classifier needs.</summary>
    public const int MinSide = 47, MaxSide = 62;

    private readonly Sequential features;
    private readonly Sequential classifier;

    /// <summary>Creates the network with dropout probability <paramref name="dropout"/> in both dropout layers.</summary>
    public Conv4Fc3(double dropout = 0) : base("Conv4_FC3")
    {
        features = FeatureLayers();
        classifier = nn.Sequential(
            nn.Flatten(),
            new SeededDropout(dropout),
            nn.Linear(FlattenedSize, 50),
            nn.ReLU(),
            new SeededDropout(dropout),
            nn.Linear(50, 40),
            nn.ReLU(),
            nn.Linear(40, 2));
        RegisterComponents();
    }

    /// <summary>The convolutional part (<c>features.*</c>), also the encoder of the derived autoencoder.</summary>
    public Sequential Features => features;

    /// <summary>Builds the 16 feature layers of spec §5.2.</summary>
    public static Sequential FeatureLayers() => ConvFeatures.Conv4.Build();

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => FeaturesThenClassifier.Forward(features, classifier, input);

    /// <inheritdoc />
    public Tensor ForwardMixed(Tensor input, ScalarType half) => FeaturesThenClassifier.ForwardMixed(features, classifier, input, half);

    /// <summary>The spatial shape after the feature layers for an input of spatial shape <paramref name="input"/>; a side ≤ 0 means the input is too small.</summary>
    public static long[] FeatureShape(IReadOnlyList<int> input) => ConvFeatures.Conv4.OutputShape(input);

    /// <summary>True when Conv4_FC3 accepts a patch of spatial shape <paramref name="input"/> (each side 47..62).</summary>
    public static bool Accepts(IReadOnlyList<int> input) => FeatureShape(input).All(s => s == 2);
}
