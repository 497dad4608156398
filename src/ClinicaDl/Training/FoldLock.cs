using ClinicaDl.Errors;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Outputs;

namespace ClinicaDl.Training;

/// <summary>One process at a time per fold of an OUTPUT_DIR: the second job training (or resuming) the same fold is refused up front.</summary>
/// <remarks>
/// Each fold has a lock file <c>OUTPUT_DIR/.clinicadl-fold-&lt;i&gt;.lock</c>, held open exclusively for the whole run (an
/// advisory <c>flock</c> on Linux and macOS, a sharing lock on Windows). The operating system releases it when the process
/// ends in any way, SIGKILL included, so a stale lock never blocks a resume. A run deletes its lock files before it
/// releases them, so a finished run leaves none behind (only a killed one does, and the next run takes them over); a
/// process that locked a file just deleted by its owner sees that the path is gone and locks the new file instead.
/// </remarks>
internal sealed class FoldLock : IDisposable
{
    private readonly List<(FileStream Stream, string Path)> held = [];

    private FoldLock() { }

    /// <summary>The lock file of fold <paramref name="fold"/>.</summary>
    public static string PathOf(ResultsTree tree, int fold) => Path.Combine(tree.Root, $".clinicadl-fold-{fold}.lock");

    /// <summary>Takes the lock of every fold in <paramref name="folds"/>, or none.</summary>
    /// <exception cref="OutputFolderException">Another process holds one of them (exit 2; nothing was written).</exception>
    public static FoldLock Acquire(ResultsTree tree, IEnumerable<int> folds)
    {
        var locks = new FoldLock();
        try
        {
            foreach (int fold in folds)
            {
                string path = PathOf(tree, fold);
                try
                {
                    locks.held.Add((Lock(path), path));
                }
                catch (IOException e) when (e is not (DirectoryNotFoundException or PathTooLongException))
                {
                    throw new OutputFolderException(tree.Fold(fold), "is being trained by another clinicadl process right now.",
                        "Train or resume each fold in one job at a time; wait for the other job, or choose another --split.");
                }
            }
            return locks;
        }
        catch
        {
            locks.Dispose();
            throw;
        }
    }

    private static FileStream Lock(string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            // The previous holder deletes the file before releasing it: a lock taken on a deleted file guards nothing.
            if (File.Exists(path) || attempt >= 10) return stream;
            stream.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (stream, path) in held)
        {
            try
            {
                File.Delete(path); // while still held: nobody can lock this file between the delete and the release
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind; the next run takes it over.
            }
            stream.Dispose();
        }
        held.Clear();
    }
}
