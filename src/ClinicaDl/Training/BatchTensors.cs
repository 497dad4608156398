using ClinicaDl.Data;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Turns prefetched batches into tensors on the training device.</summary>
internal static class BatchTensors
{
    /// <summary>The input tensor (B, 1, X, Y, Z), float32 on <paramref name="device"/>.</summary>
    public static Tensor Input(Batch batch, Device device)
    {
        var cpu = tensor(batch.Data, batch.TensorShape, ScalarType.Float32);
        if (device.type == TorchSharp.DeviceType.CPU) return cpu;
        using (cpu)
            return cpu.pin_memory().to(device, non_blocking: true);
    }

    /// <summary>The label tensor (B), int64 on <paramref name="device"/>.</summary>
    public static Tensor Labels(Batch batch, Device device) => tensor(batch.Labels, ScalarType.Int64, device);
}
