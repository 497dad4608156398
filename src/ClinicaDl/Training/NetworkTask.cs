using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>What both tasks hold: the network, its device and the arithmetic of its forward pass.</summary>
internal abstract class NetworkTask
{
    protected NetworkTask(nn.Module<Tensor, Tensor> model, Device device, PrecisionMode? precision)
    {
        Model = model;
        Device = device;
        Precision = precision ?? PrecisionMode.Float32;
    }

    /// <summary>The network being trained or evaluated.</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>Where the network and its batches live.</summary>
    protected Device Device { get; }

    /// <summary>float32, or bfloat16 mixed with <c>--amp</c>.</summary>
    protected PrecisionMode Precision { get; }

    /// <summary>The network's output for <paramref name="input"/>, in float32 whatever the precision.</summary>
    protected Tensor Forward(Tensor input) => Precision.Forward(Model, input);

    /// <summary>For an evaluation pass: with <c>--amp</c>, each weight is cast to the half type once for the whole pass instead of once per batch.</summary>
    protected IDisposable? CastWeightsOnce() => Precision.Half is null ? null : Networks.MixedPrecision.CastOnce();
}
