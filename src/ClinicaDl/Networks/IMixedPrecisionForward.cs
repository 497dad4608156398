using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>A network that can run its forward pass in mixed precision for <c>--amp</c> (<see cref="MixedPrecision"/>).</summary>
public interface IMixedPrecisionForward
{
    /// <summary>The forward pass with convolutions and linear layers in <paramref name="half"/>; the output comes out in float32.</summary>
    Tensor ForwardMixed(Tensor input, ScalarType half);
}
