using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Sets LibTorch's intra-op thread count for the calling thread, so that it stays what was asked.</summary>
/// <remarks>
/// LibTorch keeps the count per thread (OpenMP) and initialises a thread lazily, at its first parallel operation, from
/// the process-wide value the last <c>set_num_threads</c> of <em>any</em> thread stored. A thread that sets its count
/// before that first operation can therefore have it replaced by another thread's, and a different thread count changes
/// the last bits of a convolution's reductions: two trainings with the same seed, run beside other work in one process
/// (the tests, a host application), differed at 1e-5. Asking for the count right after setting it runs the lazy
/// initialisation at once, while the stored value is ours; the count is set again if another thread slipped in between.
/// </remarks>
public static class TorchThreads
{
    /// <summary>Makes <paramref name="threads"/> the intra-op thread count of the calling thread.</summary>
    public static void Use(int threads)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            set_num_threads(threads);
            if (get_num_threads() == threads) return;
        }
    }
}
