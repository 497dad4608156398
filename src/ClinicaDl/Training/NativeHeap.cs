using System.Runtime.InteropServices;

namespace ClinicaDl.Training;

/// <summary>How glibc's malloc, LibTorch's CPU allocator, treats the large activation buffers of a training step.</summary>
internal enum HeapPolicy
{
    /// <summary>glibc's own settings (nothing changed, or not glibc): buffers of 32 MB and more are mapped and unmapped.</summary>
    GlibcDefaults,
    /// <summary>Every buffer from the heap, and freed memory kept for the next step (small batches: ROIs, patches, slices).</summary>
    KeepFreed,
    /// <summary>Buffers of 32 MiB and more mapped, and returned to the system when freed, as is the heap's top beyond 32 MiB free (whole images).</summary>
    MapLarge,
    /// <summary>Another allocator (jemalloc, tcmalloc) was preloaded in place of glibc's malloc: nothing to tune, freed memory is reused.</summary>
    Preloaded,
}

/// <summary>Tunes glibc's malloc for the training step's activation buffers, by the size of its batches.</summary>
/// <remarks>
/// <para>LibTorch's CPU allocator is malloc. At batch 8, Conv4_FC3's first activations are about 53 MB each
/// (8 × 15 × 48³ floats), above the largest mmap threshold glibc ever picks by itself (32 MB), so every one of them is
/// mmap'ed when allocated and munmap'ed when freed: each step page-faults in, and the kernel zeroes, a few hundred MB
/// again. <see cref="HeapPolicy.KeepFreed"/> (M_MMAP_MAX = 0, a high M_TRIM_THRESHOLD) serves them from the heap and
/// keeps the freed memory for the next step. Measured with bench/TrainBench (2 cores, one thread): minor page faults
/// ÷ 11, system time 7 s → 0.8 s over a 4-epoch N = 20 run, 25–35 % less time per epoch. The price is a heap that stays
/// at its high-water mark, which the order of a step's allocations fragments: 2–8 × what is in use between steps.</para>
/// <para>For whole images that price is gigabytes (Conv5_FC3 at batch 2: 403 MB activations, a heap of 5.2 GB of which
/// 2.4 GB is ever in use) while mapping them costs 7–16 % more CPU time, so batches of
/// <see cref="LargeBatchBytes"/> and more get <see cref="HeapPolicy.MapLarge"/> (M_MMAP_THRESHOLD and M_TRIM_THRESHOLD
/// = 32 MiB, glibc's largest mmap threshold): docs/performance.md, Memory.</para>
/// <para>Results do not change: LibTorch aligns its buffers itself (64 bytes) however malloc obtains them.
/// Process-wide, like <c>set_num_threads</c>, and applied once: the first training of the process chooses. Only where
/// glibc is loaded (libc.so.6); elsewhere nothing happens. <c>CLINICADL_MALLOC</c> = <c>default</c>, <c>keep</c> or
/// <c>map</c> in the environment chooses instead of the batch size.</para>
/// <para>Where jemalloc or tcmalloc was preloaded (<c>LD_PRELOAD</c>: the CLI does it for jemalloc, ClinicaDl.Cli's
/// <c>Jemalloc</c>), malloc is theirs: <see cref="HeapPolicy.Preloaded"/>, nothing is set. Their size classes reuse a
/// freed buffer for the next one of its size without the fragmentation that makes glibc's kept heap 2–8 × what is in use.</para>
/// </remarks>
internal static unsafe class NativeHeap
{
    /// <summary>Batches of at least this many bytes (a whole 169×208×179 image is 25 MB) get <see cref="HeapPolicy.MapLarge"/>.</summary>
    public const long LargeBatchBytes = 16L << 20;

    /// <summary>glibc's largest mmap threshold (HEAP_MAX_SIZE / 2 on 64-bit).</summary>
    public const int MapThreshold = 32 << 20;

    private const int TrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int MmapMax = -4;       // M_MMAP_MAX

    private static readonly object Gate = new();
    private static HeapPolicy? applied;

    /// <summary>The policy applied by the process's first call (<see cref="HeapPolicy.GlibcDefaults"/> until then).</summary>
    public static HeapPolicy Current
    {
        get { lock (Gate) return applied ?? HeapPolicy.GlibcDefaults; }
    }

    /// <summary>The policy for training on batches of <paramref name="batchBytes"/> input bytes, unless <paramref name="setting"/>
    /// (<c>CLINICADL_MALLOC</c>: <c>default</c>, <c>keep</c> or <c>map</c>) says otherwise.</summary>
    public static HeapPolicy PolicyFor(long batchBytes, string? setting) => setting switch
    {
        "default" => HeapPolicy.GlibcDefaults,
        "keep" => HeapPolicy.KeepFreed,
        "map" => HeapPolicy.MapLarge,
        _ => batchBytes >= LargeBatchBytes ? HeapPolicy.MapLarge : HeapPolicy.KeepFreed,
    };

    /// <summary>Applies <see cref="PolicyFor"/>(<paramref name="batchBytes"/>) once per process; returns the policy in force
    /// (the first call's, and <see cref="HeapPolicy.GlibcDefaults"/> where glibc refused or is absent).</summary>
    public static HeapPolicy ForTraining(long batchBytes)
    {
        lock (Gate)
        {
            applied ??= Allocator.Value is not null ? HeapPolicy.Preloaded : Apply(PolicyFor(batchBytes, Environment.GetEnvironmentVariable("CLINICADL_MALLOC")));
            return applied.Value;
        }
    }

    /// <summary>Whether a freed buffer of <paramref name="bytes"/> goes back to the system under <paramref name="policy"/>.</summary>
    public static bool Unmaps(long bytes, HeapPolicy policy) => (policy is HeapPolicy.GlibcDefaults or HeapPolicy.MapLarge) && bytes >= MapThreshold;

    /// <summary>The preloaded allocator library this process runs on (its path, from <c>/proc/self/maps</c>), or null for the C library's malloc.</summary>
    public static readonly Lazy<string?> Allocator = new(() => PreloadedAllocator(File.Exists("/proc/self/maps") ? File.ReadLines("/proc/self/maps") : []));

    /// <summary>What <c>environment.txt</c> says of malloc.</summary>
    public static string Describe() => Allocator.Value is string library ? $"{Path.GetFileName(library)} ({library})" : "the C library's";

    /// <summary>The first jemalloc or tcmalloc library among the mapped files of <paramref name="maps"/> (lines of <c>/proc/PID/maps</c>).</summary>
    public static string? PreloadedAllocator(IEnumerable<string> maps)
    {
        foreach (string line in maps)
        {
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            string path = line[slash..];
            string name = Path.GetFileName(path);
            if (name.StartsWith("libjemalloc.so", StringComparison.Ordinal) || name.StartsWith("libtcmalloc", StringComparison.Ordinal))
                return path;
        }
        return null;
    }

    private static HeapPolicy Apply(HeapPolicy policy)
    {
        if (policy == HeapPolicy.GlibcDefaults) return policy;
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return HeapPolicy.GlibcDefaults;
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var export)) return HeapPolicy.GlibcDefaults;
        var mallopt = (delegate* unmanaged<int, int, int>)export;
        // mallopt returns 1 on success, 0 on error. Setting the threshold also stops glibc from moving it.
        bool applied = policy == HeapPolicy.MapLarge
            ? mallopt(MmapThreshold, MapThreshold) == 1 && mallopt(TrimThreshold, MapThreshold) == 1
            : mallopt(MmapMax, 0) == 1 && mallopt(TrimThreshold, int.MaxValue) == 1;
        return applied ? policy : HeapPolicy.GlibcDefaults;
    }
}
