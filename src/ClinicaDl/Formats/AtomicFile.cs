namespace ClinicaDl.Formats;

/// <summary>Writes files so that a crash at any instant leaves either the old complete file or the new complete one.</summary>
/// <remarks>
/// The content goes to a temporary file in the same folder (so the rename stays on one file system),
/// is flushed to disk, then renamed over the destination. A failed write removes its temporary file and
/// leaves the destination untouched.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Writes the bytes produced by <paramref name="write"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="IOException">The write failed (disk full, permissions); the message names <paramref name="path"/>.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        // The temporary name does not contain the destination's name, so tools that scan a folder by pattern
        // (TensorBoard reads every file with "tfevents" in its name) never pick up a half-written file.
        string tmp = Path.Combine(dir, $".clinicadl-write-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new IOException($"{full}: could not be written ({e.Message})", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
        => WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    /// <summary>Deletes the temporary files a killed process left in <paramref name="folder"/> (those of live processes are kept).</summary>
    public static void RemoveStaleTemporaries(string folder)
    {
        if (!Directory.Exists(folder)) return;
        foreach (string tmp in Directory.GetFiles(folder, ".clinicadl-write-*.tmp"))
        {
            string[] parts = Path.GetFileName(tmp).Split('-');
            if (parts.Length >= 4 && int.TryParse(parts[2], out int pid) && pid != Environment.ProcessId && IsAlive(pid)) continue;
            if (parts.Length >= 4 && int.TryParse(parts[2], out int own) && own == Environment.ProcessId) continue;
            TryDelete(tmp);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
