using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>Layer-by-layer forward passes, in float32 or in mixed precision for <c>--amp</c> (done by hand as <c>torch.autocast</c> does on the CPU: TorchSharp 0.107 has no autocast).</summary>
/// <remarks>
/// The float32 parameters stay the master weights (Adam updates them in float32). Convolutions, transposed
/// convolutions and linear layers run in the half type on half-type casts of their input and weights; the cast is
/// differentiable, so gradients reach the float32 parameters as float32. BatchNorm, InstanceNorm, ReLU, pooling,
/// unpooling, Flatten and Dropout run in whatever type comes in, as under <c>torch.autocast</c>: activations stay in
/// the half type from one convolution to the next (BatchNorm keeps its float32 parameters and running statistics and
/// computes its statistics in float32). The first convolution of a network (a single input channel) runs in float32
/// where LibTorch's half kernels for it are wrong (<see cref="ExactConvolution.RunsInHalf"/>); its block then stays in
/// float32 up to the next convolution. Callers compute the loss in float32. Weights are cast once per forward pass in
/// training (one forward per step); those of convolutions and linear layers once per pass under <see cref="CastOnce"/>
/// (evaluation, where the weights do not change between batches).
/// </remarks>
public static class MixedPrecision
{
    [ThreadStatic]
    private static CastWeights? current;

    /// <summary>Runs one layer: in float32 when <paramref name="half"/> is null, else weighted layers in <paramref name="half"/> and the rest as is.</summary>
    /// <remarks>Every 3-D convolution goes through <see cref="ExactConvolution"/> (LibTorch 2.10's default kernels are wrong on some CPUs).</remarks>
    public static Tensor Layer(nn.Module<Tensor, Tensor> layer, Tensor x, ScalarType? half)
    {
        switch (layer)
        {
            case Sequential block:
                return Sequence(block, x, half);
            case Conv2d conv2:
                return ExactConvolution.Conv2d(x, conv2.weight!, conv2.bias, conv2.stride, conv2.padding, conv2.dilation, conv2.groups, half);
            case Conv3d conv:
            {
                var (w, b) = half is ScalarType h && ExactConvolution.RunsInHalf(conv.weight!, conv.groups, x.device_type, h)
                    ? Weights(conv, h, conv.weight!, conv.bias) : (conv.weight!, conv.bias);
                return ExactConvolution.Conv3d(x, w, b, conv.stride, conv.padding, conv.dilation, conv.groups, half);
            }
            case ConvTranspose3d deconv:
                return TransposedConvolution.Forward(deconv, x, half);
            case Linear linear when half is ScalarType h:
            {
                var (w, b) = Weights(linear, h, linear.weight!, linear.bias);
                return nn.functional.linear(x.to(h), w, b);
            }
            default:
                return layer.call(x);
        }
    }

    /// <summary>Runs a sequence of layers with <see cref="Layer"/>; the output is in <paramref name="half"/>'s type or float32.</summary>
    /// <remarks>A ReLU right after a convolution, linear or normalisation layer of the sequence runs in place, as torchvision's
    /// <c>ReLU(inplace=True)</c>: those layers do not keep their output for the backward pass, so the values and gradients are the same and one activation fewer is held per block
    /// (60 MB per step for Conv4_FC3's first block at batch 8 on 50³ ROIs). Were a saved tensor overwritten, autograd
    /// would refuse it at the backward pass, never compute a wrong gradient. The sequence's own input is never modified.</remarks>
    public static Tensor Sequence(Sequential layers, Tensor x, ScalarType? half)
    {
        bool fresh = false; // x is a new tensor that only this sequence holds
        foreach (var layer in layers.children())
        {
            x = fresh && layer is ReLU ? x.relu_() : Layer((nn.Module<Tensor, Tensor>)layer, x, half);
            fresh = layer is Conv3d or Conv2d or ConvTranspose3d or Linear or BatchNorm or InstanceNorm3d or InstanceNorm2d;
        }
        return x;
    }

    /// <summary>Until disposed, on this thread, each weighted layer's weights are cast to the half type once and reused by every forward pass.</summary>
    /// <remarks>For passes that do not change the weights (evaluation, under no-grad); not for training steps, whose casts must be part of the graph.</remarks>
    public static IDisposable CastOnce() => current = new CastWeights(current);

    private static (Tensor Weight, Tensor? Bias) Weights(nn.Module layer, ScalarType half, Tensor weight, Tensor? bias)
    {
        if (current is not { } cache || is_grad_enabled())
            return (weight.to(half), bias?.to(half));
        if (!cache.Casts.TryGetValue(layer, out var cast))
        {
            cast = (weight.to(half).DetachFromDisposeScope(), bias?.to(half).DetachFromDisposeScope());
            cache.Casts[layer] = cast;
        }
        return cast;
    }

    private sealed class CastWeights(CastWeights? outer) : IDisposable
    {
        public Dictionary<nn.Module, (Tensor Weight, Tensor? Bias)> Casts { get; } = new(ReferenceEqualityComparer.Instance);

        public void Dispose()
        {
            foreach (var (w, b) in Casts.Values)
            {
                w.Dispose();
                b?.Dispose();
            }
            Casts.Clear();
            current = outer;
        }
    }
}
