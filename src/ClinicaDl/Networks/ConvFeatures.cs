using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>The convolutional part (<c>features</c>) of ClinicaDL 0.2.1's networks: blocks of Conv3d(k3) → BatchNorm3d → ReLU → PadMaxPool3d.</summary>
/// <remarks>
/// Block <c>b</c> sits at state-dict indices <c>4b … 4b+3</c> (spec ROI §5.2, modes §3.2). Conv4_FC3 uses unpadded
/// convolutions (each side shrinks by 2 before its pool); the image networks use padding 1 (sizes kept, so after n
/// pools a side is <c>ceil(L / 2ⁿ)</c>). The same description builds the encoder of the derived autoencoder and its
/// mirrored decoder (<see cref="AutoEncoder"/>), and computes output shapes without building anything.
/// </remarks>
/// <param name="Channels">Output channels of each block, in order.</param>
/// <param name="Padding">Zero padding of every convolution (0 or 1).</param>
public sealed record ConvFeatures(IReadOnlyList<int> Channels, int Padding)
{
    /// <summary>Conv4_FC3's features: 15, 25, 50, 50 channels, no padding.</summary>
    public static readonly ConvFeatures Conv4 = new([15, 25, 50, 50], 0);

    /// <summary>The five blocks of Conv5_FC3, Conv5_FC3_mni and VConv5_FC3: 8 … 128 channels, padding 1.</summary>
    public static readonly ConvFeatures Conv5 = new([8, 16, 32, 64, 128], 1);

    /// <summary>Conv6_FC3's six blocks: 8 … 256 channels, padding 1.</summary>
    public static readonly ConvFeatures Conv6 = new([8, 16, 32, 64, 128, 256], 1);

    /// <summary>Channels of the last feature map.</summary>
    public int OutputChannels => Channels[^1];

    /// <summary>Builds the layers (<c>features.0</c> … <c>features.{4n−1}</c>), with PyTorch's default initialisation.</summary>
    public Sequential Build()
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int input = 1;
        foreach (int output in Channels)
        {
            layers.Add(nn.Conv3d(input, output, 3, padding: Padding));
            layers.Add(BatchNormalization.Of3d(output));
            layers.Add(nn.ReLU());
            layers.Add(new PadMaxPool3d(2, 2, nonNegativeInput: true));
            input = output;
        }
        return nn.Sequential(layers.ToArray());
    }

    /// <summary>Builds the decoder that mirrors these features (CropMaxUnpool3d → ConvTranspose3d → BatchNorm3d → ReLU per block, last block first).</summary>
    public Sequential BuildDecoder()
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        for (int block = Channels.Count - 1; block >= 0; block--)
        {
            int input = Channels[block], output = block == 0 ? 1 : Channels[block - 1];
            layers.Add(new CropMaxUnpool3d(2, 2));
            layers.Add(nn.ConvTranspose3d(input, output, 3, padding: Padding));
            layers.Add(BatchNormalization.Of3d(output));
            layers.Add(nn.ReLU());
        }
        return nn.Sequential(layers.ToArray());
    }

    /// <summary>The spatial shape of the last feature map for an input of spatial shape <paramref name="input"/>; a side of 0 means the input is too small.</summary>
    public long[] OutputShape(IReadOnlyList<int> input)
    {
        var shape = input.Select(s => (long)s).ToArray();
        foreach (int _ in Channels)
            for (int a = 0; a < shape.Length; a++)
            {
                long convolved = shape[a] + 2L * Padding - 2;
                shape[a] = convolved <= 0 ? 0 : PadMaxPool3d.OutputSide(convolved);
            }
        return shape;
    }

    /// <summary>The smallest input side these features take without an empty map (a padded network takes any side ≥ 1).</summary>
    public int MinimumSide
    {
        get
        {
            int side = 1;
            while (OutputShape([side])[0] == 0) side++;
            return side;
        }
    }

    /// <summary>The inclusive range of input sides that give a last feature map of side <paramref name="target"/>, or null when none does.</summary>
    public (int Min, int Max)? SidesGiving(long target)
    {
        int? min = null, max = null;
        // Sides only grow with the input, so scan up to where the output passes the target.
        for (int side = 1; side < 1 << 16; side++)
        {
            long output = OutputShape([side])[0];
            if (output == target) { min ??= side; max = side; }
            else if (output > target) break;
        }
        return min is int a && max is int b ? (a, b) : null;
    }

    /// <summary>A shape as users read it: <c>169×208×179</c>.</summary>
    public static string ShapeText(IEnumerable<long> shape) => string.Join("×", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
}
