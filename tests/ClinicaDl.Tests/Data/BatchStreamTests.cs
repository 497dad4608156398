using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Tests.Support;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Data;

/// <summary>The prefetched batches: their contents, and that every batch buffer is freed exactly once, however the pass ends.</summary>
public sealed class BatchStreamTests
{
    /// <summary>One 3×4×5 element per session, whose values encode the session; session "sub-F" fails to decode.</summary>
    private sealed class Elements : IElementSet
    {
        public int Count => 1;
        public string Level => "roi";
        public string Noun => "ROI";
        public int Channels => 1;
        public string Name(int k) => "box";
        public int[] Shape(int k) => [3, 4, 5];
        public int[]? Origin(int k) => null;

        public int Load(Session session, IReadOnlyList<Memory<float>> destinations)
        {
            if (session.ParticipantId == "sub-F") throw new ClinicaDl.Errors.CapsLayoutException("sub-F.nii.gz", "broken");
            int s = int.Parse(session.ParticipantId[4..], System.Globalization.CultureInfo.InvariantCulture);
            var span = destinations[0].Span;
            for (int i = 0; i < span.Length; i++) span[i] = s * 100 + i;
            return 0;
        }
    }

    /// <summary>Managed buffers that count how often they are made and disposed.</summary>
    private sealed class Counting
    {
        public int Made, Disposed, DisposedTwice;

        public BatchBuffer Make(int count, int channels, int[] shape)
        {
            Interlocked.Increment(ref Made);
            return new Buffer(this, new ArrayBatchBuffer(count, channels * shape[0] * shape[1] * shape[2]));
        }

        private sealed class Buffer(Counting owner, ArrayBatchBuffer inner) : BatchBuffer
        {
            private int disposed;
            public override Span<float> Slot(int index) => inner.Slot(index);
            public override float[] ToArray() => inner.ToArray();
            public override void Dispose()
            {
                if (Interlocked.Exchange(ref disposed, 1) == 1) Interlocked.Increment(ref owner.DisposedTwice);
                else Interlocked.Increment(ref owner.Disposed);
            }
        }
    }

    private static List<Session> Sessions(params string[] ids)
        => ids.Select((id, i) => new Session($"sub-{id}", "ses-M00", i % 2 == 0 ? "AD" : "CN", i % 2 == 0 ? 1 : 0, Session.SingleCohort, "/caps")).ToList();

    private static (PatchCache Cache, List<ElementSample> Order) Cohort(TempDir dir, List<Session> sessions)
    {
        var cache = new PatchCache(sessions, new Elements(), new PatchCacheOptions(1, long.MaxValue, dir.Path));
        cache.Start(Enumerable.Range(0, sessions.Count));
        return (cache, sessions.Select((s, i) => new ElementSample(s, i, 0)).ToList());
    }

    [Fact]
    public void AWholePass_GivesTheElementsInOrder_AndFreesEveryBuffer()
    {
        using var dir = new TempDir("batchstream");
        var (cache, order) = Cohort(dir, Sessions("0", "1", "2", "3", "4"));
        using var _ = cache;
        var counting = new Counting();
        var seen = new List<float>();
        using (var stream = new BatchStream(cache, order, 2, buffers: counting.Make))
            foreach (var batch in stream.Batches())
            {
                seen.AddRange(batch.Buffer.ToArray().Where((_, i) => i % 60 == 0));
                Assert.Equal(batch.Index == 2 ? 1 : 2, batch.Count);
            }
        Assert.Equal([0f, 100f, 200f, 300f, 400f], seen);
        Assert.Equal(3, counting.Made);
        Assert.Equal(3, counting.Disposed);
        Assert.Equal(0, counting.DisposedTwice);
    }

    [Fact]
    public void APassLeftEarly_FreesTheBatchInHandAndThePrefetchedOnes()
    {
        using var dir = new TempDir("batchstream");
        var (cache, order) = Cohort(dir, Sessions(Enumerable.Range(0, 12).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()));
        using var _ = cache;
        var counting = new Counting();
        using (var stream = new BatchStream(cache, order, 1, prefetch: 3, buffers: counting.Make))
            foreach (var batch in stream.Batches())
            {
                SpinWait.SpinUntil(() => Volatile.Read(ref counting.Made) >= 4, TimeSpan.FromSeconds(10)); // the producer is ahead
                break;
            }
        Assert.InRange(counting.Made, 4, 5);
        Assert.Equal(counting.Made, counting.Disposed);
        Assert.Equal(0, counting.DisposedTwice);
    }

    [Fact]
    public void ADecodingError_ReachesTheConsumer_AndFreesEveryBuffer()
    {
        using var dir = new TempDir("batchstream");
        var (cache, order) = Cohort(dir, Sessions("0", "1", "F", "3"));
        using var _ = cache;
        var counting = new Counting();
        using (var stream = new BatchStream(cache, order, 1, buffers: counting.Make))
        {
            int consumed = 0;
            var e = Assert.Throws<ClinicaDl.Errors.CapsLayoutException>(() => { foreach (var batch in stream.Batches()) consumed++; });
            Assert.Contains("sub-F", e.Message);
            Assert.Equal(2, consumed);
        }
        Assert.Equal(3, counting.Made); // the failing batch's buffer too
        Assert.Equal(3, counting.Disposed);
    }

    [Fact]
    public void LibTorchBuffers_HoldTheSameBatchesAsManagedOnes()
    {
        using var dir = new TempDir("batchstream");
        var (cache, order) = Cohort(dir, Sessions("0", "1", "2", "3", "4"));
        using var _ = cache;
        var expected = new List<(float[] Data, long[] Labels)>();
        using (var managed = new BatchStream(cache, order, 2))
            foreach (var batch in managed.Batches())
                expected.Add((batch.Buffer.ToArray(), batch.Labels));
        int b = 0;
        using (var stream = new BatchStream(cache, order, 2, buffers: BatchTensors.OnDevice(CPU)))
            foreach (var batch in stream.Batches())
            {
                using var scope = NewDisposeScope();
                var input = BatchTensors.Input(batch, CPU);
                var labels = BatchTensors.Labels(batch, CPU);
                Assert.Equal(batch.TensorShape, input.shape);
                Assert.Equal(expected[b].Data, input.data<float>().ToArray());
                Assert.Equal(expected[b].Data, batch.Buffer.ToArray());
                Assert.Equal(expected[b].Labels, labels.data<long>().ToArray());
                b++;
            }
        Assert.Equal(3, b);
    }
}
