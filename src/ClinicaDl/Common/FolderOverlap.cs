using ClinicaDl.Errors;

namespace ClinicaDl.Common;

/// <summary>Refuses an output folder that is, holds or lies inside something the run reads.</summary>
/// <remarks>
/// Paths are compared after resolving symbolic links of every existing component, so a link to the input folder, or
/// <c>./caps/../caps</c>, is the input folder. Comparison is ordinal (case-sensitive file systems).
/// </remarks>
public static class FolderOverlap
{
    /// <summary>Throws when <paramref name="outputDir"/> is the same as, or inside, <paramref name="input"/>, or when <paramref name="input"/> is inside <paramref name="outputDir"/>.</summary>
    /// <param name="outputDir">The run's OUTPUT_DIR (it need not exist yet).</param>
    /// <param name="option">How the user named the input, e.g. <c>--caps_dir</c>.</param>
    /// <param name="input">A folder or file the run reads; null when not given.</param>
    /// <exception cref="OutputFolderException">The two overlap (exit 2, nothing written).</exception>
    public static void Refuse(string outputDir, string option, string? input)
    {
        if (input is null) return;
        string output = Resolve(outputDir), source = Resolve(input);
        if (output == source)
            throw new OutputFolderException(outputDir, $"is {option} ({input}); the run would overwrite what it reads.", "Choose another OUTPUT_DIR.");
        if (IsInside(output, source))
            throw new OutputFolderException(outputDir, $"lies inside {option} ({input}); the run would write among what it reads.", "Choose an OUTPUT_DIR outside it.");
        if (IsInside(source, output))
            throw new OutputFolderException(outputDir, $"holds {option} ({input}); the run could replace what it reads.", "Choose an OUTPUT_DIR that does not contain its inputs.");
    }

    /// <summary>Whether <paramref name="path"/> lies strictly inside <paramref name="folder"/> (both resolved).</summary>
    private static bool IsInside(string path, string folder)
        => path.StartsWith(folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The absolute path with every existing symbolic link resolved (the missing tail kept as written).</summary>
    public static string Resolve(string path) => Resolve(path, 0);

    private static string Resolve(string path, int depth)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string root = Path.GetPathRoot(full) ?? "/";
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            // A link's target may hold links of its own: resolve it whole (40 levels, as the kernel's ELOOP limit).
            current = info.LinkTarget is { } target && depth < 40
                ? Resolve(Path.GetFullPath(target, current), depth + 1)
                : next;
        }
        return current;
    }
}
