using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>ClinicaDL 0.2.1's whole-image classifiers <c>Conv5_FC3</c>, <c>Conv5_FC3_mni</c> and <c>Conv6_FC3</c> (spec modes §3.2), with their exact state-dict keys.</summary>
/// <remarks>
/// <code>
/// features:   B(1→8) B(8→16) B(16→32) B(32→64) B(64→128) [B(128→256) for Conv6_FC3]
///             each B = Conv3d(k3, padding 1) BN ReLU PadMaxPool at indices 4b … 4b+3
/// classifier: 0 Flatten  1 Dropout  2 Linear(C·X·Y·Z → H)  3 ReLU  4 Linear(H → 50)  5 ReLU  6 Linear(50 → 2)
/// </code>
/// Conv5_FC3: 128×6×7×6 → H = 1300 (42,293,972 parameters); Conv5_FC3_mni: 128×4×5×4 → 1300 (13,673,172);
/// Conv6_FC3: 256×3×4×3 → 1000 (10,447,376). A single Dropout, so the Linear layers sit at 2, 4 and 6 (not 2, 5, 7
/// as in Conv4_FC3). PyTorch default initialisation; the output is raw logits.
/// </remarks>
public sealed class ImageCnn : nn.Module<Tensor, Tensor>, IMixedPrecisionForward
{
    private readonly Sequential features;
    private readonly Sequential classifier;

    /// <summary>Creates <paramref name="architecture"/> (not the variational one) with dropout probability <paramref name="dropout"/>.</summary>
    public ImageCnn(Architecture architecture, double dropout) : base(architecture.Name)
    {
        if (architecture.Variational)
            throw new ArgumentException($"{architecture.Name} is variational: use {nameof(VConv5Fc3)}.", nameof(architecture));
        Architecture = architecture;
        features = architecture.Features.Build();
        classifier = nn.Sequential(
            nn.Flatten(),
            new SeededDropout(dropout),
            nn.Linear(architecture.FlattenedSize, architecture.Hidden),
            nn.ReLU(),
            nn.Linear(architecture.Hidden, 50),
            nn.ReLU(),
            nn.Linear(50, 2));
        RegisterComponents();
    }

    /// <summary>Which network this is.</summary>
    public Architecture Architecture { get; }

    /// <summary>The convolutional part (<c>features.*</c>), also the encoder of the derived autoencoder.</summary>
    public Sequential Features => features;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => FeaturesThenClassifier.Forward(features, classifier, input);

    /// <inheritdoc />
    public Tensor ForwardMixed(Tensor input, ScalarType half) => FeaturesThenClassifier.ForwardMixed(features, classifier, input, half);
}
