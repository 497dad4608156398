using System.Globalization;
using System.Runtime.InteropServices;

/// <summary>Where a process's peak RSS goes: loaded by the runtime before <c>Main</c> when the assembly is named in
/// <c>DOTNET_STARTUP_HOOKS</c>; samples every 20 ms and, at each new RSS peak, rewrites the file <c>MEMORY_HOOK_OUT</c>
/// with that sample: RSS, glibc's arenas (all of them: what malloc took from the system, what is in use, what is kept
/// free), memory mapped by malloc for single large blocks, and the managed heap (committed, and allocated so far: a small
/// figure there dates the peak to the start of the run). Does nothing without <c>MEMORY_HOOK_OUT</c>. With
/// <c>MEMORY_HOOK_TIMELINE=FILE</c>, every sample is also appended there (milliseconds since start, RSS, arenas, in use,
/// managed committed, allocated so far; MB, tab-separated).</summary>
internal static class StartupHook
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Mallinfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern Mallinfo2 MallocInfo();

    public static void Initialize()
    {
        string? path = Environment.GetEnvironmentVariable("MEMORY_HOOK_OUT");
        if (string.IsNullOrEmpty(path)) return;
        string? timeline = Environment.GetEnvironmentVariable("MEMORY_HOOK_TIMELINE");
        new Thread(() => Sample(path, string.IsNullOrEmpty(timeline) ? null : timeline)) { IsBackground = true, Name = "memory hook" }.Start();
    }

    private static void Sample(string path, string? timeline)
    {
        long peak = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var log = timeline is null ? null : new StreamWriter(timeline, append: false) { AutoFlush = true };
        log?.WriteLine("ms\trss\tarenas\tin_use\tmanaged\tallocated");
        while (true)
        {
            long rss = ResidentMegabytes();
            if (log is not null)
            {
                var now = MallocInfo();
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{clock.ElapsedMilliseconds}\t{rss}\t{Mb(now.Arena)}\t{Mb(now.Uordblks)}\t{GC.GetGCMemoryInfo().TotalCommittedBytes >> 20}\t{GC.GetTotalAllocatedBytes() >> 20}"));
            }
            if (rss > peak)
            {
                peak = rss;
                var m = MallocInfo();
                var gc = GC.GetGCMemoryInfo();
                File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture,
                    $"peak RSS {rss} MB: malloc arenas {Mb(m.Arena)} MB ({Mb(m.Uordblks)} in use, {Mb(m.Fordblks)} kept free), " +
                    $"malloc mmap {Mb(m.Hblkhd)} MB, managed heap {gc.TotalCommittedBytes >> 20} MB committed " +
                    $"({GC.GetTotalAllocatedBytes() >> 20} MB allocated so far)\n"));
            }
            Thread.Sleep(20);
        }
    }

    private static long Mb(nuint bytes) => (long)(bytes >> 20);

    private static long ResidentMegabytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return 0;
    }
}
