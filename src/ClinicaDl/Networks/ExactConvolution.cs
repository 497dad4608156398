using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>Convolutions computed where LibTorch 2.10's oneDNN kernels are exact: channels-last memory format, and float32 for single-channel inputs under <c>--amp</c>.</summary>
/// <remarks>
/// On an AMD EPYC with AVX512-BF16, LibTorch 2.10 (the build TorchSharp 0.107 ships) computes wrong convolutions in its
/// default (blocked, 16-channel) kernels whenever a channel count the kernel reads is not a multiple of the block. In
/// float32 (docs/performance.md, "LibTorch defects"): the forward pass of a batch of more than one image with 25 or 50
/// input channels (Conv4_FC3's 25 → 50 and 50 → 50 layers) is 0.17–0.40 off float64 relative to the largest output, and
/// the input gradient of every Conv4_FC3 layer (15, 25 or 50 output channels) is 0.2–0.4 off; Conv4_FC3's parameter
/// gradients were 1.5–1.8 off, so training followed wrong gradients. In bfloat16 the forward pass is 0.2–0.6 off for
/// the same counts and for single-channel inputs (1 → 8, 1 → 15). The same convolutions on channels-last tensors
/// are exact (forward, input and weight gradients ≤ 2e-6 relative in float32; bfloat16 within its rounding, 3e-3), and
/// as fast or faster; Conv4_FC3's parameter gradients then match float64 as closely as PyTorch 1.13's do (2e-4 at
/// batch 8). A single-channel input has one layout only, so under <c>--amp</c> such a layer (the first of every 3-D
/// network) runs in float32 and its output is cast to the half type. Tensor values are unchanged: only their layout
/// in memory differs. <c>ExactConvolutionTests</c> checks all of this on the machine running the tests.
/// </remarks>
public static class ExactConvolution
{
    /// <summary><paramref name="x"/> (N, C, spatial…) laid out channels-last; the same tensor when it already is or has one channel.</summary>
    public static Tensor ChannelsLast(Tensor x)
    {
        if (x.shape[1] == 1) return x;
        return x.dim() switch
        {
            5 => x.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3),
            4 => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
            _ => x,
        };
    }

    /// <summary><c>conv3d</c> of <paramref name="x"/> by <paramref name="weight"/>, in <paramref name="half"/> when given (output in that type), computed exactly (see the class).</summary>
    public static Tensor Conv3d(Tensor x, Tensor weight, Tensor? bias, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1, ScalarType? half = null)
    {
        if (half is not ScalarType h)
            return nn.functional.conv3d(ChannelsLast(x), weight, bias, stride, padding, dilation, groups);
        if (weight.shape[1] * groups > 1)
            return nn.functional.conv3d(ChannelsLast(x.to(h)), weight.to(h), bias?.to(h), stride, padding, dilation, groups);
        // A single-channel input: in the weight's type (float32), then cast.
        return nn.functional.conv3d(x.to(weight.dtype), weight, bias?.to(weight.dtype), stride, padding, dilation, groups).to(h);
    }

    /// <summary><c>conv2d</c>, channels-last when a channel count is not a multiple of 16 (LibTorch's blocked kernels are right for the others, and its channels-last 2-D path logs NNPACK warnings).</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long[]? stride = null, long[]? padding = null, long[]? dilation = null, long groups = 1, ScalarType? half = null)
    {
        long input = weight.shape[1] * groups, output = weight.shape[0];
        if (half is ScalarType h)
        {
            x = x.to(h);
            weight = weight.to(h);
            bias = bias?.to(h);
        }
        if (input % 16 != 0 || output % 16 != 0) x = ChannelsLast(x);
        return nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }
}
