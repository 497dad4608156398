using System.Collections;
using System.Runtime.InteropServices;

namespace ClinicaDl.Cli;

/// <summary>Runs the verbs that train or evaluate networks with glibc's malloc on transparent huge pages
/// (<c>GLIBC_TUNABLES=glibc.malloc.hugetlb=1</c>), and on jemalloc where it is installed (<see cref="Jemalloc"/>), by
/// replacing the process with itself once, before anything starts.</summary>
/// <remarks>
/// <para>LibTorch's CPU allocator is malloc, and a network's activations are mapped, zeroed and freed at every step. With
/// 4 KiB pages that is one page fault per 4 KiB: whole-image Conv5_FC3 training at batch 2 took 4 million faults in 3 epochs
/// of 20 images. glibc puts its memory on 2 MiB transparent huge pages when asked by that tunable, which glibc reads only at
/// the start of a process; where the kernel gives huge pages on request only (<c>[madvise]</c> in
/// <c>/sys/kernel/mm/transparent_hugepage/enabled</c>, Debian's and Ubuntu's default), nothing else asks for them. Measured
/// (docs/performance.md, Memory): image cnn, 20 sessions, 3 epochs, 81 s and 4.5 GB peak RSS against 113 s and 6.9 GB.</para>
/// <para>The process replaces itself (<c>execve</c> of <c>/proc/self/exe</c> with the same arguments and environment plus the
/// tunable): same PID, so SLURM, signals and wait() see one process; its own .NET diagnostic endpoints are removed first,
/// as the new runtime makes its own. No tunable is added where the kernel gives huge pages to everyone (<c>[always]</c>) or to
/// nobody, where <c>GLIBC_TUNABLES</c> already sets <c>glibc.malloc.hugetlb</c> (the user's choice wins), off Linux, for the
/// quick verbs (help, tsvtool, generate, …), and with <c>CLINICADL_HUGEPAGES=0</c>; the process is replaced only when the
/// tunable or jemalloc is to be added. If <c>execve</c> fails the run simply goes on as it started.</para>
/// </remarks>
internal static class HugePages
{
    /// <summary>The variable glibc reads its tunables from, and the one set here.</summary>
    public const string Tunables = "GLIBC_TUNABLES", Tunable = "glibc.malloc.hugetlb";

    /// <summary>Set in the replaced process's environment: it must not replace itself again.</summary>
    private const string Done = "CLINICADL_HUGEPAGES";

    /// <summary>The verbs whose networks run long enough for the replacement (about 0.1 s) to pay.</summary>
    private static readonly HashSet<string> Verbs = ["train", "classify", "interpret", "random-search", "quality-check"];

    [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static extern int Execve(IntPtr path, IntPtr[] argv, IntPtr[] envp);

    /// <summary>Whether the process should replace itself: see the remarks. <paramref name="thpMode"/> is the kernel's file's content.</summary>
    public static bool Wanted(IReadOnlyList<string> args, IDictionary environment, string? thpMode)
    {
        if (!args.Any(Verbs.Contains)) return false; // the verb may follow top-level options (-v, -l FILE)
        if (environment[Done] is string done && done.Length > 0) return false; // "0" (the user's opt-out) or "1" (replaced already)
        if (environment[Tunables] is string tunables && tunables.Contains(Tunable, StringComparison.Ordinal)) return false;
        return thpMode is not null && thpMode.Contains("[madvise]", StringComparison.Ordinal);
    }

    /// <summary>The environment of the replaced process: this one, with the tunable appended and the marker set (when
    /// <paramref name="hugePages"/>), and <paramref name="jemalloc"/> preloaded (<see cref="Jemalloc.Additions"/>) when given.</summary>
    public static List<string> Environment(IDictionary environment, bool hugePages = true, string? jemalloc = null)
    {
        var added = new List<string>();
        if (hugePages)
        {
            string? tunables = environment[Tunables] as string;
            added.Add($"{Tunables}={(string.IsNullOrEmpty(tunables) ? "" : tunables + ":")}{Tunable}=1");
            added.Add($"{Done}=1");
        }
        if (jemalloc is not null)
            added.AddRange(Jemalloc.Additions(environment, jemalloc));
        var replaced = added.Select(a => a[..a.IndexOf('=')]).ToHashSet(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (DictionaryEntry e in environment)
            if (!replaced.Contains((string)e.Key))
                result.Add($"{e.Key}={e.Value}");
        result.AddRange(added);
        return result;
    }

    /// <summary>Replaces the process with itself on huge pages when <see cref="Wanted"/>; returns only when it does not (or cannot).</summary>
    public static void ReplaceProcessIfUseful(string[] args)
    {
        // Quick verbs (help, tsvtool, generate, …) return before any file or the environment is read: nothing added to their start-up.
        if (!OperatingSystem.IsLinux() || !args.Any(Verbs.Contains)) return;
        string? mode;
        List<string> argv;
        try
        {
            mode = File.Exists("/sys/kernel/mm/transparent_hugepage/enabled") ? File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled") : null;
            var env = System.Environment.GetEnvironmentVariables();
            bool hugePages = Wanted(args, env, mode);
            string? jemalloc = Jemalloc.Wanted(args, env) ? Jemalloc.Find(env) : null;
            if (!hugePages && jemalloc is null) return;
            // The command line as the kernel received it (dotnet clinicadl.dll … or the apphost …), NUL-separated.
            argv = [.. File.ReadAllText("/proc/self/cmdline").Split('\0', StringSplitOptions.None)];
            if (argv.Count > 0 && argv[^1].Length == 0) argv.RemoveAt(argv.Count - 1);
            if (argv.Count == 0) return;
            Exec("/proc/self/exe", argv, Environment(env, hugePages, jemalloc));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            // Anything unexpected: run as we are.
        }
    }

    private static void Exec(string path, List<string> argv, List<string> envp)
    {
        var allocated = new List<IntPtr>();
        IntPtr Utf8(string s)
        {
            var p = Marshal.StringToCoTaskMemUTF8(s);
            allocated.Add(p);
            return p;
        }
        try
        {
            var argvPtrs = argv.Select(Utf8).Append(IntPtr.Zero).ToArray();
            var envPtrs = envp.Select(Utf8).Append(IntPtr.Zero).ToArray();
            var pathPtr = Utf8(path);
            ImmediateExit.RemoveDiagnosticEndpoints(); // the new runtime makes its own, under the same PID
            Execve(pathPtr, argvPtrs, envPtrs);
            // Only reached when execve failed: carry on with 4 KiB pages.
        }
        finally
        {
            foreach (var p in allocated) Marshal.FreeCoTaskMem(p);
        }
    }
}
