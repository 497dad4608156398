using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>Mixed-precision forward passes for <c>--amp</c>, done by hand as <c>torch.autocast</c> would (TorchSharp 0.107 has no autocast).</summary>
/// <remarks>
/// The float32 parameters stay the master weights (Adam updates them in float32). Convolutions, transposed
/// convolutions and linear layers run in the half type on half-type casts of their input and weights; the cast is
/// differentiable, so gradients reach the float32 parameters as float32. BatchNorm (its parameters and running
/// statistics) and InstanceNorm run in float32, and callers compute the loss in float32. Pooling, unpooling, ReLU, Flatten and
/// Dropout run in whatever type comes in.
/// </remarks>
public static class MixedPrecision
{
    /// <summary>Runs one layer: weighted layers in <paramref name="half"/>, BatchNorm in float32, the rest as is.</summary>
    public static Tensor Layer(nn.Module<Tensor, Tensor> layer, Tensor x, ScalarType half) => layer switch
    {
        Sequential block => Sequence(block, x, half),
        Conv3d conv => nn.functional.conv3d(x.to(half), conv.weight!.to(half), conv.bias?.to(half), conv.stride, conv.padding, conv.dilation, conv.groups),
        ConvTranspose3d deconv => TransposedConvolution.Forward(deconv, x, half),
        Conv2d conv => nn.functional.conv2d(x.to(half), conv.weight!.to(half), conv.bias?.to(half), conv.stride, conv.padding, conv.dilation, conv.groups),
        Linear linear => nn.functional.linear(x.to(half), linear.weight!.to(half), linear.bias?.to(half)),
        BatchNorm3d or BatchNorm2d or InstanceNorm3d or InstanceNorm2d => layer.call(x.to(ScalarType.Float32)),
        _ => layer.call(x),
    };

    /// <summary>Runs a sequence of layers with <see cref="Layer"/>.</summary>
    public static Tensor Sequence(Sequential layers, Tensor x, ScalarType half)
    {
        foreach (var layer in layers.children())
            x = Layer((nn.Module<Tensor, Tensor>)layer, x, half);
        return x;
    }
}
