using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>torchvision's ResNet <c>BasicBlock</c>: two 3×3 convolutions with BatchNorm, a residual connection, and a 1×1
/// downsample (<c>downsample.0</c> conv, <c>downsample.1</c> BN) when the stride or the width changes.</summary>
/// <remarks>Fields are declared in PyTorch's registration order, so the state dict lists conv1, bn1, conv2, bn2, downsample.
/// Shared by <see cref="ResNet18"/> (slice mode) and <see cref="ResNetQc"/> (quality check).</remarks>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006, SA1306 // PyTorch key names
    private readonly Conv2d conv1;
    private readonly BatchNormalization bn1;
    private readonly Conv2d conv2;
    private readonly BatchNormalization bn2;
    private readonly Sequential? downsample;
#pragma warning restore IDE1006, SA1306

    public BasicBlock(int input, int output, int stride) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(input, output, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNormalization.Of2d(output);
        conv2 = nn.Conv2d(output, output, 3, padding: 1, bias: false);
        bn2 = BatchNormalization.Of2d(output);
        if (stride != 1 || input != output)
            downsample = nn.Sequential(nn.Conv2d(input, output, 1, stride: stride, bias: false), BatchNormalization.Of2d(output));
        RegisterComponents();
    }

    /// <summary>A ResNet-18 stage (<c>layerN</c>): two blocks, the first with <paramref name="stride"/>.</summary>
    public static Sequential Layer(int input, int output, int stride)
        => nn.Sequential(new BasicBlock(input, output, stride), new BasicBlock(output, output, 1));

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(bn1.call(conv1.call(input)));
        x = bn2.call(conv2.call(x));
        var identity = downsample is null ? input : downsample.call(input);
        return nn.functional.relu(x.add(identity, HeldScalars.One)).MoveToOuterDisposeScope();
    }
}
