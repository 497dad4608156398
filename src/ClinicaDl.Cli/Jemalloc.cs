using System.Collections;

namespace ClinicaDl.Cli;

/// <summary>Trains ROIs and patches on jemalloc where it is installed, preloaded when the process replaces itself at
/// start (<see cref="HugePages.ReplaceProcessIfUseful"/>).</summary>
/// <remarks>
/// <para>LibTorch's CPU allocator is malloc. glibc's heap, kept from step to step for speed (ClinicaDl's <c>NativeHeap</c>),
/// is fragmented by the order of a step's allocations: for the ROI job of docs/performance.md it peaks at 450–550 MB for
/// about 290 MB ever in use, and the process at 0.66–0.93 GB from run to run. jemalloc's size classes hand a freed buffer to
/// the next of its size: the same job peaks at 0.59–0.62 GB every run, in the same time. Its memory is kept, not returned
/// (<c>MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1</c>): returning it after 10 s, jemalloc's default, doubled the
/// time in page faults.</para>
/// <para><c>libjemalloc.so.2</c> is looked for in <c>LD_LIBRARY_PATH</c> (where HPC environment modules put it) and the
/// system's library folders (Debian and Ubuntu: <c>apt-get install libjemalloc2</c>; RHEL: <c>dnf install jemalloc</c>).
/// Nothing is preloaded where it is not found, where <c>LD_PRELOAD</c> is set already (the user's choice wins), where
/// <c>CLINICADL_MALLOC</c> asks for one of glibc's policies (<c>keep</c>, <c>map</c>, <c>default</c>, <c>glibc</c>), off Linux,
/// and for every other verb and mode (<see cref="Modes"/>). A <c>MALLOC_CONF</c> of the user's is kept as it is.</para>
/// </remarks>
internal static class Jemalloc
{
    public const string Preload = "LD_PRELOAD", Settings = "MALLOC_CONF", Library = "libjemalloc.so.2";

    /// <summary>jemalloc's settings when the user has none: keep freed memory for the next step.</summary>
    public const string KeepFreed = "dirty_decay_ms:-1,muzzy_decay_ms:-1";

    /// <summary>The system's library folders, after those of <c>LD_LIBRARY_PATH</c>.</summary>
    private static readonly string[] SystemFolders =
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib64", "/usr/local/lib"];

    /// <summary>The training modes of 3-D cubes (ROIs, patches): there glibc's heap is kept from step to step, and jemalloc
    /// keeps 200–250 MB less for the same speed. Whole images map and return their large buffers instead (<c>NativeHeap</c>),
    /// which jemalloc, keeping its memory, would not (5.6 GB against 3.7 GB for Conv5_FC3 at N = 20); slices (resnet18 on
    /// 224² planes) peaked no lower on jemalloc (683–692 against 647–685 MB) and ran no faster; <c>train resume</c>,
    /// <c>classify</c> and the other verbs learn their mode from files, after the start.</summary>
    private static readonly HashSet<string> Modes = ["roi", "patch"];

    /// <summary>Whether jemalloc should be preloaded for <paramref name="args"/> in <paramref name="environment"/>: see the remarks.</summary>
    public static bool Wanted(IReadOnlyList<string> args, IDictionary environment)
    {
        int train = Enumerable.Range(0, args.Count).FirstOrDefault(i => args[i] == "train", -1); // top-level options may come first
        return train >= 0 && train + 1 < args.Count && Modes.Contains(args[train + 1])
               && string.IsNullOrEmpty(environment[Preload] as string)
               && string.IsNullOrEmpty(environment["CLINICADL_MALLOC"] as string);
    }

    /// <summary>The first <c>libjemalloc.so.2</c> of this machine's architecture in <c>LD_LIBRARY_PATH</c>'s folders, then the system's; null if none.</summary>
    public static string? Find(IDictionary environment)
    {
        var folders = ((environment["LD_LIBRARY_PATH"] as string) ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(SystemFolders);
        foreach (string folder in folders)
        {
            string path = Path.Combine(folder, Library);
            if (IsLoadable(path)) return path;
        }
        return null;
    }

    /// <summary>The environment additions that preload <paramref name="library"/>.</summary>
    public static IEnumerable<string> Additions(IDictionary environment, string library)
    {
        yield return $"{Preload}={library}";
        if (string.IsNullOrEmpty(environment[Settings] as string))
            yield return $"{Settings}={KeepFreed}";
    }

    /// <summary>An ELF shared object for this process's architecture (64-bit, same machine), so that the dynamic loader never
    /// prints "cannot be preloaded" on every run for a library of another architecture.</summary>
    internal static bool IsLoadable(string path)
    {
        try
        {
            Span<byte> header = stackalloc byte[20];
            using var file = File.OpenRead(path);
            if (file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) return false;
            ushort machine = BitConverter.ToUInt16(header[18..]);
            ushort expected = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
            {
                System.Runtime.InteropServices.Architecture.X64 => 62,
                System.Runtime.InteropServices.Architecture.Arm64 => 183,
                _ => 0,
            };
            return header[..4].SequenceEqual("\u007fELF"u8) && header[4] == 2 && header[5] == 1 && header[16] == 3 && machine == expected;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
