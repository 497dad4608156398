using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>ClinicaDL 0.2.1's <c>RandomArchitecture</c> (spec verbs §3.6): the network random search builds from a sampled
/// <c>convolutions</c> description, with 0.2.1's exact state-dict keys.</summary>
/// <remarks>
/// <code>
/// features:   conv&lt;i&gt;: (n_conv − 1) × [Conv(cin→cin, k3, s1, p1); N(cin); LeakyReLU(0.01)]
///                      then MaxPooling: Conv(cin→cout, k3, s1, p1); N(cout); LeakyReLU(0.01); PadMaxPool(2, 2)
///                        or stride:     Conv(cin→cout, k3, s2, p1); N(cout); LeakyReLU(0.01)
/// classifier: 0 Flatten  1 Dropout  FC&lt;k&gt;: Linear (+ LeakyReLU(0.01) except the last block)
/// </code>
/// Keys: <c>features.conv&lt;i&gt;.&lt;j&gt;.*</c>, <c>classifier.FC&lt;k&gt;.0.*</c>. <c>N</c> is BatchNorm (running statistics),
/// InstanceNorm (no affine parameters, no state) or nothing. Inputs of shape <c>(C, X, Y, Z)</c> give 3-D layers,
/// <c>(C, H, W)</c> 2-D layers. Every block halves each side with ceiling, so the classifier's sizes follow from the input
/// shape (<see cref="FullyConnectedSizes"/>). PyTorch default initialisation; raw logits out.
/// </remarks>
public sealed class RandomArchitecture : nn.Module<Tensor, Tensor>, IMixedPrecisionForward
{
    private readonly Sequential features;
    private readonly Sequential classifier;

    /// <summary>Builds the network.</summary>
    /// <param name="convolutions">The blocks, in order (<c>conv0</c>, <c>conv1</c>, …).</param>
    /// <param name="fcBlocks">Number of Linear layers (<c>n_fcblocks</c>).</param>
    /// <param name="inputShape">One element's shape without the batch axis: <c>(C, X, Y, Z)</c> or <c>(C, H, W)</c>.</param>
    /// <param name="dropout">Dropout probability before the first Linear layer.</param>
    /// <param name="normalization">The normalisation layer of every block.</param>
    /// <exception cref="ArgumentException">A rank other than 3 or 4, no blocks, or fewer than one FC block.</exception>
    public RandomArchitecture(IReadOnlyList<ConvolutionBlock> convolutions, int fcBlocks, IReadOnlyList<int> inputShape, double dropout,
        NetworkNormalization normalization) : base("RandomArchitecture")
    {
        if (inputShape.Count is not (3 or 4))
            throw new ArgumentException($"RandomArchitecture takes inputs of shape (C, H, W) or (C, X, Y, Z), not ({string.Join(", ", inputShape)}).", nameof(inputShape));
        if (convolutions.Count == 0) throw new ArgumentException("At least one convolutional block is needed.", nameof(convolutions));
        if (fcBlocks < 1) throw new ArgumentException("At least one FC block is needed.", nameof(fcBlocks));
        Convolutions = convolutions;
        FcBlocks = fcBlocks;
        InputShape = inputShape;
        Dropout = dropout;
        Normalization = normalization;
        bool is3d = inputShape.Count == 4;

        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < convolutions.Count; i++)
            blocks.Add(($"conv{i}", Block(convolutions[i], convolutions[i].InChannels ?? inputShape[0], is3d, normalization)));
        features = nn.Sequential(blocks.ToArray());

        var head = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", nn.Flatten()), ("1", new SeededDropout(dropout)) };
        var sizes = FullyConnectedSizes(convolutions, fcBlocks, inputShape);
        for (int k = 0; k < sizes.Count; k++)
            head.Add(($"FC{k}", k == sizes.Count - 1
                ? nn.Sequential(nn.Linear(sizes[k].In, sizes[k].Out))
                : nn.Sequential(nn.Linear(sizes[k].In, sizes[k].Out), new LeakyRelu(0.01))));
        classifier = nn.Sequential(head.ToArray());
        RegisterComponents();
    }

    /// <summary>The convolutional blocks it was built from.</summary>
    public IReadOnlyList<ConvolutionBlock> Convolutions { get; }

    /// <summary>Number of Linear layers.</summary>
    public int FcBlocks { get; }

    /// <summary>The element shape it was built for, without the batch axis.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>The dropout probability.</summary>
    public double Dropout { get; }

    /// <summary>The normalisation layer.</summary>
    public NetworkNormalization Normalization { get; }

    private static Sequential Block(ConvolutionBlock block, int cin, bool is3d, NetworkNormalization normalization)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        void Unit(int input, int output, int stride)
        {
            layers.Add(is3d ? nn.Conv3d(input, output, 3, stride: stride, padding: 1) : nn.Conv2d(input, output, 3, stride: stride, padding: 1));
            switch (normalization)
            {
                case NetworkNormalization.BatchNorm:
                    layers.Add(is3d ? BatchNormalization.Of3d(output) : BatchNormalization.Of2d(output));
                    break;
                case NetworkNormalization.InstanceNorm:
                    layers.Add(is3d ? nn.InstanceNorm3d(output) : nn.InstanceNorm2d(output));
                    break;
            }
            layers.Add(new LeakyRelu(0.01));
        }
        for (int j = 0; j < block.NConv - 1; j++) Unit(cin, cin, 1);
        if (block.Reduction == DimensionReduction.MaxPooling)
        {
            Unit(cin, block.OutChannels, 1);
            layers.Add(is3d ? new PadMaxPool3d(2, 2) : new PadMaxPool2d(2, 2));
        }
        else
        {
            Unit(cin, block.OutChannels, 2);
        }
        return nn.Sequential(layers.ToArray());
    }

    /// <summary>The (in, out) sizes of the Linear layers (0.2.1's <c>fc_dict_design</c>): a geometric decay from the flattened size to 2.</summary>
    /// <remarks>Sizes are rounded half to even (numpy's <c>np.round</c>) from an unrounded chain, as 0.2.1 does.</remarks>
    public static IReadOnlyList<(int In, int Out)> FullyConnectedSizes(IReadOnlyList<ConvolutionBlock> convolutions, int fcBlocks, IReadOnlyList<int> inputShape)
    {
        double f = convolutions[^1].OutChannels;
        double scale = Math.Pow(2, convolutions.Count);
        for (int a = 1; a < inputShape.Count; a++) f *= Math.Ceiling(inputShape[a] / scale);
        double ratio = Math.Pow(f / 2, 1.0 / fcBlocks);
        var sizes = new List<(int, int)>(fcBlocks);
        for (int k = 0; k < fcBlocks; k++)
        {
            double g = f / ratio;
            sizes.Add(((int)Math.Round(f, MidpointRounding.ToEven), (int)Math.Round(g, MidpointRounding.ToEven)));
            f = g;
        }
        return sizes;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => FeaturesThenClassifier.Forward(features, classifier, input);

    /// <summary>The forward pass in mixed precision (<see cref="MixedPrecision"/>); the logits come out in float32.</summary>
    public Tensor ForwardMixed(Tensor input, ScalarType half) => FeaturesThenClassifier.ForwardMixed(features, classifier, input, half);
}
