using System.Runtime.InteropServices;
using ClinicaDl.Data;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Batches as tensors on the training device.</summary>
/// <remarks>
/// On the CPU a batch is a managed array that becomes a tensor in the step (<see cref="ArrayBatchBuffer"/>), unless it is
/// large enough for malloc to map it (whole images): then the prefetch task writes it into a LibTorch tensor. For a GPU,
/// the prefetch task writes each batch into pinned LibTorch memory and starts its copy to the device (non-blocking) as
/// soon as the batch is written, so the step finds it there and never waits on the host (<see cref="OnDevice"/>).
/// Writing small CPU batches (ROIs) into LibTorch memory as well was measured and not kept: the managed heap's peak fell by
/// about 45 MB, but malloc's heap, which the tuned settings never shrink (<see cref="NativeHeap"/>), grew by 70–175 MB
/// (docs/performance.md, Memory).
/// </remarks>
internal static class BatchTensors
{
    /// <summary>The buffer factory for a <see cref="BatchStream"/> whose batches go to <paramref name="device"/>: <see cref="OnDevice"/>
    /// off the CPU; on the CPU, managed arrays, except batches that malloc maps and unmaps anyway (<see cref="NativeHeap.Unmaps"/>:
    /// whole images), which are written into LibTorch tensors (one copy fewer, and their memory back to the system at once).</summary>
    public static BatchBufferFactory For(Device device) => For(device, NativeHeap.Current);

    /// <summary><see cref="For(Device)"/> under malloc's <paramref name="heap"/> policy.</summary>
    public static BatchBufferFactory For(Device device, HeapPolicy heap)
    {
        if (device.type != TorchSharp.DeviceType.CPU) return OnDevice(device);
        var native = OnDevice(device);
        return (count, channels, shape) => NativeHeap.Unmaps((long)count * BatchBuffer.ElementLength(channels, shape) * sizeof(float), heap)
            ? native(count, channels, shape)
            : ArrayBatchBuffer.Factory(count, channels, shape);
    }

    /// <summary>Batches written into LibTorch tensors (pinned, and copied to <paramref name="device"/> by the prefetch task
    /// when it is not the CPU).</summary>
    public static BatchBufferFactory OnDevice(Device device) => (count, channels, shape) => new TensorBatchBuffer(count, channels, shape, device);

    /// <summary>The input tensor (B, C, X, Y, Z), float32 on <paramref name="device"/>, in the caller's dispose scope.</summary>
    public static Tensor Input(Batch batch, Device device)
    {
        if (batch.Buffer is TensorBatchBuffer own && own.IsOn(device)) return own.Elements();
        var data = batch.Buffer is ArrayBatchBuffer managed ? managed.Data : batch.Buffer.ToArray();
        var cpu = tensor(data, batch.TensorShape, ScalarType.Float32);
        if (device.type == TorchSharp.DeviceType.CPU) return cpu;
        using (cpu)
            return cpu.pin_memory().to(device, non_blocking: true);
    }

    /// <summary>The label tensor (B), int64 on <paramref name="device"/>, in the caller's dispose scope.</summary>
    public static Tensor Labels(Batch batch, Device device)
        => batch.Buffer is TensorBatchBuffer own && own.IsOn(device) && own.Labels() is { } labels
            ? labels
            : tensor(batch.Labels, ScalarType.Int64, device);

    /// <summary>One batch in a LibTorch tensor (pinned, with its copy on the device, when the device is not the CPU).</summary>
    private sealed class TensorBatchBuffer : BatchBuffer
    {
        private readonly Tensor host;
        private readonly int length;
        private Tensor? deviceElements, deviceLabels;

        public TensorBatchBuffer(int count, int channels, int[] shape, Device device)
        {
            Device = device;
            length = ElementLength(channels, shape);
            long[] size = [count, channels, .. shape.Select(s => (long)s)];
            if (device.type == TorchSharp.DeviceType.CPU) host = empty(size, ScalarType.Float32);
            else
                using (var pageable = empty(size, ScalarType.Float32))
                    host = pageable.pin_memory();
        }

        public Device Device { get; }

        public bool IsOn(Device device) => device.type == Device.type && device.index == Device.index;

        // Tensor.bytes is the tensor's own memory (a contiguous CPU tensor), not a copy.
        public override Span<float> Slot(int index) => MemoryMarshal.Cast<byte, float>(host.bytes).Slice(index * length, length);

        public override void Written(long[] labels)
        {
            if (Device.type == TorchSharp.DeviceType.CPU) return;
            deviceElements = host.to(Device, non_blocking: true);
            using var hostLabels = tensor(labels, ScalarType.Int64);
            using var pinned = hostLabels.pin_memory();
            deviceLabels = pinned.to(Device, non_blocking: true);
        }

        /// <summary>The elements on the device, as a new handle in the caller's dispose scope (the buffer keeps its own).</summary>
        public Tensor Elements() => (deviceElements ?? host).alias();

        /// <summary>The labels already on the device, or null on the CPU (where a tensor of the batch's labels is as cheap).</summary>
        public Tensor? Labels() => deviceLabels?.alias();

        public override float[] ToArray() => MemoryMarshal.Cast<byte, float>(host.bytes).ToArray();

        public override void Dispose()
        {
            deviceElements?.Dispose();
            deviceLabels?.Dispose();
            host.Dispose();
        }
    }
}
