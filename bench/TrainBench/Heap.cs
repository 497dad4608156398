using System.Runtime.InteropServices;

namespace TrainBench;

/// <summary>The malloc settings of the process that runs the compute-only limit (<c>--malloc</c>).</summary>
/// <remarks>
/// <c>tuned</c> is what the library's NativeHeap does in the training process (M_MMAP_MAX = 0, M_TRIM_THRESHOLD = 2³¹−1,
/// so that LibTorch's 53 MB activations are not mmap'ed and page-faulted in again at every step); <c>default</c> leaves
/// glibc as it is. The limit is only fair when both processes use the same setting.
/// </remarks>
internal static unsafe class Heap
{
    public static bool Tune()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return false;
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var export)) return false;
        var mallopt = (delegate* unmanaged<int, int, int>)export;
        return (mallopt(-4, 0) == 1) & (mallopt(-1, int.MaxValue) == 1);
    }
}
