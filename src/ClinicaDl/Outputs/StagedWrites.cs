using System.Collections.Concurrent;

namespace ClinicaDl.Outputs;

/// <summary>Files written to hidden temporary names beside their destinations and renamed into place together by
/// <see cref="Commit"/>: a corrupt input, a full disk or an interrupt before then leaves the folders as they were.</summary>
/// <remarks>Thread-safe. Disposing without committing deletes the temporary files.</remarks>
public sealed class StagedWrites : IDisposable
{
    private readonly ConcurrentBag<(string Temporary, string Destination)> staged = [];
    private bool committed;

    /// <summary>The temporary path to write instead of <paramref name="destination"/> (its folder is created).</summary>
    public string Stage(string destination)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".clinicadl-write-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        staged.Add((temporary, destination));
        return temporary;
    }

    /// <summary>Renames every staged file to its destination (replacing what is there).</summary>
    public void Commit()
    {
        foreach (var (temporary, destination) in staged)
            File.Move(temporary, destination, overwrite: true);
        committed = true;
    }

    /// <summary>Deletes the temporary files unless <see cref="Commit"/> ran.</summary>
    public void Dispose()
    {
        if (committed) return;
        foreach (var (temporary, _) in staged)
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
