using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>ClinicaDL 0.2.1's autoencoder derived from Conv4_FC3's convolutional part (spec §5.3), with its exact state-dict keys.</summary>
/// <remarks>
/// <code>
/// encoder: Conv4_FC3's features (16 layers; the pools also return indices and paddings)
/// decoder: 0 CropMaxUnpool  1 ConvT(50,50,3)  2 BN(50) 3 ReLU
///          4 CropMaxUnpool  5 ConvT(50,25,3)  6 BN(25) 7 ReLU
///          8 CropMaxUnpool  9 ConvT(25,15,3) 10 BN(15) 11 ReLU
///         12 CropMaxUnpool 13 ConvT(15,1,3)  14 BN(1)  15 ReLU   → non-negative output of the input's shape
/// </code>
/// Keys <c>encoder.{0,1,4,5,8,9,12,13}.*</c> and <c>decoder.{1,2,5,6,9,10,13,14}.*</c>; 224,253 trainable parameters
/// (encoder 112,200 + decoder 112,053). Pool indices and paddings are consumed last-in-first-out. Works for any
/// input side ≥ 31.
/// </remarks>
public sealed class AutoEncoder : nn.Module<Tensor, Tensor>, IMixedPrecisionForward
{
    private readonly Sequential encoder;
    private readonly Sequential decoder;

    /// <summary>Creates the autoencoder of <paramref name="features"/> (default: Conv4_FC3's) with PyTorch default initialisation.</summary>
    /// <remarks>The image networks' autoencoders (spec modes §3.4) have padded convolutions, so their transposed
    /// convolutions have padding 1 too and any input side works; keys run to <c>decoder.{4n−2}</c> for n blocks.</remarks>
    public AutoEncoder(ConvFeatures? features = null) : base("AutoEncoder")
    {
        Features = features ?? ConvFeatures.Conv4;
        encoder = Features.Build();
        decoder = Features.BuildDecoder();
        RegisterComponents();
    }

    /// <summary>The convolutional features the autoencoder was derived from.</summary>
    public ConvFeatures Features { get; }

    /// <summary>The encoder (same layers and keys as Conv4_FC3's <c>features</c>).</summary>
    public Sequential Encoder => encoder;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Run(input, null);

    /// <inheritdoc />
    public Tensor ForwardMixed(Tensor input, ScalarType half) => Run(input, half);

    private Tensor Run(Tensor input, ScalarType? half)
    {
        using var scope = NewDisposeScope();
        var stack = new Stack<(Tensor Indices, long[] Padding)>();
        var x = input;
        foreach (var layer in encoder.children())
        {
            if (layer is PadMaxPool3d pool)
            {
                var (output, indices, padding) = pool.PoolWithIndices(x, withIndices: true);
                stack.Push((indices!, padding));
                x = output;
            }
            else
            {
                x = Apply((nn.Module<Tensor, Tensor>)layer, x, half);
            }
        }
        foreach (var layer in decoder.children())
        {
            if (layer is CropMaxUnpool3d unpool)
            {
                var (indices, padding) = stack.Pop();
                x = unpool.Unpool(x, indices, padding);
            }
            else
            {
                x = Apply((nn.Module<Tensor, Tensor>)layer, x, half);
            }
        }
        return (half is null ? x : x.to(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    private static Tensor Apply(nn.Module<Tensor, Tensor> layer, Tensor x, ScalarType? half) => MixedPrecision.Layer(layer, x, half);
}
