namespace ClinicaDl.Data;

/// <summary>The memory one batch's elements are written into by the prefetch task, and which the consumer then reads.</summary>
/// <remarks>
/// The default keeps them in a managed array. A trainer on a GPU supplies its own (<see cref="BatchStream"/>'s
/// <c>buffers</c>): pinned LibTorch tensors whose copy to the device starts in the prefetch task (<see cref="Written"/>)
/// rather than in the step.
/// A buffer belongs to its batch: <see cref="BatchStream"/> disposes it once the consumer has moved past the batch.
/// </remarks>
public abstract class BatchBuffer : IDisposable
{
    /// <summary>Where element <paramref name="index"/> is written (its <c>C × X × Y × Z</c> values, C order).</summary>
    public abstract Span<float> Slot(int index);

    /// <summary>Values of one element of <paramref name="channels"/> channels and spatial <paramref name="shape"/>.</summary>
    public static int ElementLength(int channels, int[] shape) => channels * shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Every element is committed; <paramref name="labels"/> are the batch's labels. Called once, by the prefetch task.</summary>
    public virtual void Written(long[] labels) { }

    /// <summary>A copy of all the elements, one after the other.</summary>
    public abstract float[] ToArray();

    /// <summary>Frees what the buffer holds.</summary>
    public abstract void Dispose();
}

/// <summary>Makes the buffer of a batch of <c>count</c> elements of <c>channels × shape</c> each.</summary>
public delegate BatchBuffer BatchBufferFactory(int count, int channels, int[] shape);

/// <summary>A batch held in a managed array (the default; what tests and tools that read batches directly get).</summary>
public sealed class ArrayBatchBuffer : BatchBuffer
{
    private readonly int length;

    /// <summary>An uninitialised buffer of <paramref name="count"/> elements of <paramref name="length"/> values.</summary>
    public ArrayBatchBuffer(int count, int length)
    {
        this.length = length;
        Data = GC.AllocateUninitializedArray<float>(count * length);
    }

    /// <summary>The elements, one after the other (the buffer itself, not a copy).</summary>
    public float[] Data { get; }

    /// <summary>The factory <see cref="BatchStream"/> uses when given none.</summary>
    public static BatchBufferFactory Factory { get; } = (count, channels, shape) => new ArrayBatchBuffer(count, ElementLength(channels, shape));

    public override Span<float> Slot(int index) => Data.AsSpan(index * length, length);

    public override float[] ToArray() => (float[])Data.Clone();

    public override void Dispose() { }
}
