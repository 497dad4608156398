using ClinicaDl.Networks;
using ClinicaDl.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ClinicaDl.Tests.Networks;

/// <summary>
/// Our convolutions against float64 on the machine running the tests: LibTorch 2.10's default float32 and bfloat16
/// kernels are wrong on some CPUs for channel counts that are not a multiple of 16 (<see cref="ExactConvolution"/>).
/// </summary>
public sealed class ExactConvolutionTests
{
    private static double Relative(Tensor value, Tensor reference) =>
        ((value.to(ScalarType.Float64) - reference).abs().max() / reference.abs().max()).item<double>();

    // Conv4_FC3's channel counts, batched: the forward pass, the input gradient and the weight gradient.
    [Theory]
    [InlineData(3, 1, 15, 20)]
    [InlineData(3, 15, 25, 14)]
    [InlineData(3, 25, 50, 10)]
    [InlineData(2, 50, 50, 6)]
    public void Conv3d_Float32_AgreesWithFloat64_ForwardAndBothGradients(int batch, int input, int output, int side)
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        manual_seed(11);
        var x64 = randn([batch, input, side, side, side], ScalarType.Float64);
        var w64 = randn([output, input, 3, 3, 3], ScalarType.Float64).mul(0.2);
        var b64 = randn([output], ScalarType.Float64);
        var g64 = randn([batch, output, side - 2, side - 2, side - 2], ScalarType.Float64);
        var xr = x64.clone().requires_grad_();
        var wr = w64.clone().requires_grad_();
        var yr = F.conv3d(xr, wr, b64);
        yr.backward([g64]);

        var x = x64.to(ScalarType.Float32).requires_grad_();
        var w = w64.to(ScalarType.Float32).requires_grad_();
        var y = ExactConvolution.Conv3d(x, w, b64.to(ScalarType.Float32));
        y.backward([g64.to(ScalarType.Float32)]);

        Assert.True(Relative(y, yr) < 1e-5, $"forward {Relative(y, yr):E2}");
        Assert.True(Relative(w.grad!, wr.grad!) < 1e-4, $"weight gradient {Relative(w.grad!, wr.grad!):E2}");
        if (input > 1) // a single-channel input's gradient is computed image by image where it is needed (interpret)
            Assert.True(Relative(x.grad!, xr.grad!) < 1e-5, $"input gradient {Relative(x.grad!, xr.grad!):E2}");
    }

    [Theory]
    [InlineData(4, 25, 50, 16)]
    [InlineData(4, 15, 25, 16)]
    [InlineData(2, 3, 64, 20)]
    public void Conv2d_Float32_AgreesWithFloat64_ForwardAndInputGradient(int batch, int input, int output, int side)
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        manual_seed(12);
        var x64 = randn([batch, input, side, side], ScalarType.Float64);
        var w64 = randn([output, input, 3, 3], ScalarType.Float64).mul(0.2);
        var g64 = randn([batch, output, side - 2, side - 2], ScalarType.Float64);
        var xr = x64.clone().requires_grad_();
        var yr = F.conv2d(xr, w64);
        yr.backward([g64]);
        var x = x64.to(ScalarType.Float32).requires_grad_();
        var y = ExactConvolution.Conv2d(x, w64.to(ScalarType.Float32), null);
        y.backward([g64.to(ScalarType.Float32)]);
        Assert.True(Relative(y, yr) < 1e-5, $"forward {Relative(y, yr):E2}");
        Assert.True(Relative(x.grad!, xr.grad!) < 1e-5, $"input gradient {Relative(x.grad!, xr.grad!):E2}");
    }

    // bfloat16 keeps 8 bits of mantissa (about 4e-3 relative); LibTorch's default kernels were 0.2-0.6 off here.
    [Theory]
    [InlineData(1, 8)]
    [InlineData(1, 15)]
    [InlineData(15, 25)]
    [InlineData(25, 50)]
    public void Conv3d_Bfloat16_IsWithinRounding(int input, int output)
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        manual_seed(13);
        var x = randn([3, input, 12, 12, 12]);
        var w = randn([output, input, 3, 3, 3]).mul(0.2);
        var b = randn([output]);
        var reference = F.conv3d(x.to(ScalarType.Float64), w.to(ScalarType.Float64), b.to(ScalarType.Float64));
        var half = ExactConvolution.Conv3d(x, w, b, half: ScalarType.BFloat16);
        // A single input channel runs in bfloat16 only where LibTorch's kernel for it passed the probe; else in float32.
        bool inHalf = input > 1 || ExactConvolution.SingleChannelHalfError(ScalarType.BFloat16) <= ExactConvolution.HalfTolerance;
        Assert.Equal(inHalf ? ScalarType.BFloat16 : ScalarType.Float32, half.dtype);
        Assert.True(Relative(half, reference) < (inHalf ? 0.02 : 1e-5), $"{half.dtype} {Relative(half, reference):E2}");
    }

    // The probe that decides whether a single-channel convolution runs in bfloat16: finite, repeatable, and for
    // float32 itself exactly 0 (the same kernel twice). Where it passes, the forward pass and the weight gradient
    // of a real-sized first layer are within bfloat16's rounding.
    [Fact]
    public void SingleChannelProbe_IsRepeatable_AndWhereItPasses_TheFirstLayerIsWithinRounding()
    {
        LibTorchAllocator.ZeroFill();
        double error = ExactConvolution.SingleChannelHalfError(ScalarType.BFloat16);
        Assert.True(double.IsFinite(error) || double.IsPositiveInfinity(error));
        Assert.Equal(0, ExactConvolution.SingleChannelHalfError(ScalarType.Float32));
        using var scope = NewDisposeScope();
        manual_seed(17);
        var x = rand([4, 1, 20, 20, 20]);
        var w = randn([15, 1, 3, 3, 3]).mul(0.3).requires_grad_(true);
        var upstream = randn([4, 15, 20, 20, 20]);
        var y = ExactConvolution.Conv3d(x, w, null, padding: [1, 1, 1], half: ScalarType.BFloat16);
        y.to(ScalarType.Float32).backward([upstream]);
        var gradient = w.grad!.clone();
        var reference = F.conv3d(x.to(ScalarType.Float64), w.detach().to(ScalarType.Float64), null, padding: [1, 1, 1]);
        var w64 = w.detach().to(ScalarType.Float64).requires_grad_(true);
        F.conv3d(x.to(ScalarType.Float64), w64, null, padding: [1, 1, 1]).backward([upstream.to(ScalarType.Float64)]);
        if (error <= ExactConvolution.HalfTolerance)
        {
            Assert.Equal(ScalarType.BFloat16, y.dtype);
            Assert.True(Relative(y, reference) < 0.02, $"forward {Relative(y, reference):E2}");
            Assert.True(Relative(gradient, w64.grad!) < 0.02, $"weight gradient {Relative(gradient, w64.grad!):E2}");
        }
        else
        {
            Assert.Equal(ScalarType.Float32, y.dtype);
            Assert.True(Relative(y, reference) < 1e-5);
        }
    }

    // The whole network, as training computes it: every parameter gradient of a batch against a float64 copy.
    // PyTorch 1.13 in float32 on the same input is 2e-4 off at batch 8; LibTorch's default kernels were 1.5-1.8 off.
    [Fact]
    public void Conv4Fc3_TrainingGradients_AgreeWithFloat64()
    {
        LibTorchAllocator.ZeroFill();
        using var scope = NewDisposeScope();
        manual_seed(14);
        using var model = new Conv4Fc3(0);
        using var model64 = new Conv4Fc3(0);
        model64.load_state_dict(model.state_dict());
        model64.to(ScalarType.Float64);
        var x = randn([4, 1, 50, 50, 50], ScalarType.Float64);
        var labels = tensor(new long[] { 0, 1, 0, 1 });
        F.cross_entropy(model64.call(x), labels).backward();
        F.cross_entropy(model.call(x.to(ScalarType.Float32)), labels).backward();
        var reference = model64.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var r = reference[name];
            if (r.abs().max().item<double>() < 1e-9) continue; // biases before BatchNorm: zero gradient in exact arithmetic
            double error = Relative(parameter.grad!, r);
            Assert.True(error < 2e-3, $"{name}: gradient {error:E2} off float64");
        }
    }
}
