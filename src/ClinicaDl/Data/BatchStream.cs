using System.Threading.Channels;
using ClinicaDl.Common;

namespace ClinicaDl.Data;

/// <summary>Assembles the batches of one pass in a background task, one or two ahead of the consumer (prefetch).</summary>
/// <remarks>
/// The next batch's patches are copied out of the <see cref="PatchCache"/> (and augmented, for training) while the
/// current step computes. Batches are built strictly in order by a single task, so the augmentation generator is
/// consumed in the same order whatever the timing, and results stay reproducible. The last batch may be short.
/// Each batch is written into a <see cref="BatchBuffer"/> from the stream's factory, and disposed by
/// <see cref="Batches"/> once the consumer moves past it (or by <see cref="Dispose"/>, for batches never consumed).
/// </remarks>
public sealed class BatchStream : IDisposable
{
    private readonly Channel<Batch> channel;
    private readonly CancellationTokenSource cancel = new();
    private readonly Task producer;

    /// <summary>Starts building the batches of <paramref name="order"/>.</summary>
    /// <param name="cache">Where patches come from.</param>
    /// <param name="order">The elements of the pass, in order.</param>
    /// <param name="batchSize">Elements per batch.</param>
    /// <param name="augmentation">Transforms for training batches, or null.</param>
    /// <param name="batchRng">The generator for the transforms of batch b (required when <paramref name="augmentation"/> does anything);
    /// one generator per batch, derived from its position, keeps augmentation reproducible and resumable.</param>
    /// <param name="prefetch">Batches built ahead of the consumer.</param>
    /// <param name="startBatch">The first batch to build (a pass resumed in its middle skips the batches already done).</param>
    /// <param name="buffers">Makes each batch's memory; managed arrays (<see cref="ArrayBatchBuffer"/>) when null.</param>
    public BatchStream(PatchCache cache, IReadOnlyList<ElementSample> order, int batchSize, Augmentation? augmentation = null, Func<int, RandomSource>? batchRng = null,
        int prefetch = 2, int startBatch = 0, BatchBufferFactory? buffers = null)
    {
        var factory = buffers ?? ArrayBatchBuffer.Factory;
        BatchCount = (order.Count + batchSize - 1) / batchSize;
        channel = Channel.CreateBounded<Batch>(new BoundedChannelOptions(Math.Max(1, prefetch)) { SingleReader = true, SingleWriter = true });
        var token = cancel.Token;
        producer = Task.Run(async () =>
        {
            try
            {
                for (int b = startBatch; b < BatchCount; b++)
                {
                    token.ThrowIfCancellationRequested();
                    var samples = new List<ElementSample>(batchSize);
                    for (int i = b * batchSize; i < Math.Min(order.Count, (b + 1) * batchSize); i++) samples.Add(order[i]);
                    var rng = augmentation is { IsIdentity: false } ? (batchRng ?? throw new ArgumentNullException(nameof(batchRng)))(b) : null;
                    var batch = Build(cache, samples, b, augmentation, rng, factory, token);
                    try
                    {
                        await channel.Writer.WriteAsync(batch, token).ConfigureAwait(false);
                    }
                    catch
                    {
                        batch.Dispose();
                        throw;
                    }
                }
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
    }

    /// <summary>Number of batches in the pass.</summary>
    public int BatchCount { get; }

    /// <summary>The batches, in order; blocks until each is ready; rethrows a decoding error.</summary>
    public IEnumerable<Batch> Batches(CancellationToken token = default)
    {
        var reader = channel.Reader;
        while (true)
        {
            bool more;
            try
            {
                more = reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult();
            }
            catch (ChannelClosedException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
            if (!more) yield break;
            while (reader.TryRead(out var batch))
            {
                try
                {
                    yield return batch;
                }
                finally
                {
                    batch.Dispose();
                }
            }
        }
    }

    private static Batch Build(PatchCache cache, IReadOnlyList<ElementSample> samples, int index, Augmentation? augmentation, RandomSource? rng,
        BatchBufferFactory buffers, CancellationToken token)
    {
        var elements = cache.Elements;
        int first = samples[0].Element;
        int length = cache.PatchLength(first);
        int[] shape = elements.Shape(first);
        foreach (var s in samples)
            if (cache.PatchLength(s.Element) != length)
                throw new InvalidOperationException($"{elements.Noun} {elements.Name(s.Element)} and {elements.Noun} {elements.Name(first)} have different shapes and cannot share a batch.");
        var buffer = buffers(samples.Count, elements.Channels, shape);
        try
        {
            var labels = new long[samples.Count];
            for (int i = 0; i < samples.Count; i++)
            {
                var s = samples[i];
                var slot = buffer.Slot(i);
                cache.Read(s.CacheIndex, s.Element, slot, token);
                if (augmentation is { IsIdentity: false })
                    augmentation.Apply(slot, elements.Channels, elements.Shape(s.Element), rng!);
                labels[i] = s.Label;
            }
            buffer.Written(labels);
            return new Batch(buffer, elements.Channels, shape, labels, samples, index);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Stops the producer (a pass abandoned early, e.g. on interrupt).</summary>
    public void Dispose()
    {
        cancel.Cancel();
        try { producer.Wait(); } catch (AggregateException) { }
        cancel.Dispose();
        while (channel.Reader.TryRead(out var unread)) unread.Dispose();
    }
}
