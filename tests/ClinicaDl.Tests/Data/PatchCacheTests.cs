using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Data;

public sealed class PatchCacheTests
{
    /// <summary>Two ROI-shaped elements, loaded by <see cref="Load"/>.</summary>
    private abstract class TestElements : IElementSet
    {
        public int Count => Rois.Count;
        public string Level => "roi";
        public string Noun => "ROI";
        public int Channels => 1;
        public string Name(int k) => Rois[k].Name;
        public int[] Shape(int k) => Rois[k].Shape;
        public int[]? Origin(int k) => null;
        public abstract int Load(Session session, IReadOnlyList<Memory<float>> destinations);
    }

    /// <summary>A source whose patch values encode the session and ROI, and that counts how often each session is read.</summary>
    private sealed class CountingSource : TestElements
    {
        public int[] Reads = new int[64];

        public override int Load(Session session, IReadOnlyList<Memory<float>> destinations)
        {
            int s = int.Parse(session.ParticipantId[4..], System.Globalization.CultureInfo.InvariantCulture);
            Interlocked.Increment(ref Reads[s]);
            for (int r = 0; r < Rois.Count; r++)
            {
                var span = destinations[r].Span;
                for (int i = 0; i < span.Length; i++) span[i] = s * 1000 + r * 100 + i % 100;
            }
            return 0;
        }
    }

    private static readonly IReadOnlyList<RoiDefinition> Rois =
    [
        new("a", new RoiBox(0, 0, 0, 4, 5, 6), null, null),
        new("b", new RoiBox(0, 0, 0, 3, 3, 3), null, null),
    ];

    private static IReadOnlyList<Session> Sessions(int n)
        => Enumerable.Range(0, n).Select(i => new Session($"sub-{i}", "ses-M00", "AD", 1, Session.SingleCohort, "/caps")).ToList();

    [Theory]
    [InlineData(1, long.MaxValue)]   // all in memory, one worker
    [InlineData(3, long.MaxValue)]   // all in memory, three workers
    [InlineData(2, 0)]               // everything spilled to the scratch file
    [InlineData(2, 1000)]            // some in memory, the rest spilled
    public void Read_GivesEachPatch_ReadingEachSessionOnce(int workers, long budget)
    {
        using var dir = new TempDir("patchcache");
        var source = new CountingSource();
        using var cache = new PatchCache(Sessions(20), source, new PatchCacheOptions(workers, budget, dir.Path));
        cache.Start([19, 3, 7]);
        for (int pass = 0; pass < 2; pass++)
            for (int s = 19; s >= 0; s--)
                for (int r = 0; r < 2; r++)
                {
                    var patch = new float[cache.PatchLength(r)];
                    cache.Read(s, r, patch);
                    for (int i = 0; i < patch.Length; i++) Assert.Equal(s * 1000 + r * 100 + i % 100, patch[i]);
                }
        Assert.All(source.Reads.Take(20), n => Assert.Equal(1, n));
        Assert.Equal(20, cache.CachedCount);
        if (budget == 0) Assert.Equal(0, cache.MemoryBytes);
        if (budget < long.MaxValue) Assert.True(cache.SpilledBytes > 0);
        // The spill file is unlinked as soon as it is mapped: nothing is left in the scratch folder.
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Read_DecodingError_IsRethrownToTheReader()
    {
        using var dir = new TempDir("patchcache");
        var failing = new FailingSource();
        using var cache = new PatchCache(Sessions(3), failing, new PatchCacheOptions(2, long.MaxValue, dir.Path));
        cache.Start([0, 1, 2]);
        var e = Assert.Throws<ClinicaDl.Errors.CapsLayoutException>(() => cache.Read(1, 0, new float[cache.PatchLength(0)]));
        Assert.Contains("sub-1", e.Message);
    }

    private sealed class FailingSource : TestElements
    {
        public override int Load(Session session, IReadOnlyList<Memory<float>> destinations)
            => session.ParticipantId == "sub-1" ? throw new ClinicaDl.Errors.CapsLayoutException("sub-1.nii.gz", "broken") : 0;
    }
}
