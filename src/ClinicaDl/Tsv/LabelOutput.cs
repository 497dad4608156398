using ClinicaDl.Errors;

namespace ClinicaDl.Tsv;

/// <summary>Output-file rules shared by <c>tsvtool restrict</c>, <c>getlabels</c> and <c>analysis</c>.</summary>
/// <remarks>ClinicaDL overwrites its outputs silently; we never replace a file the user did not ask us to replace, and never
/// write over an input.</remarks>
internal static class LabelOutput
{
    /// <summary>Refuses files that already exist unless <paramref name="overwrite"/>, and output paths that are folders.</summary>
    public static void CheckWritable(IEnumerable<string> files, bool overwrite)
    {
        foreach (string file in files)
        {
            if (Directory.Exists(file))
                throw new OutputFolderException(file, "is a folder; a file path was expected.");
            if (File.Exists(file) && !overwrite)
                throw new OutputFolderException(file, "already exists.", "Add --overwrite to replace it, or choose another path.");
        }
        foreach (string file in files)
        {
            string? parent = Path.GetDirectoryName(Path.GetFullPath(file));
            for (string? p = parent; p is not null; p = Path.GetDirectoryName(p))
            {
                if (File.Exists(p))
                    throw new OutputFolderException(p, "is a file; the output needs a folder there.");
                if (Directory.Exists(p)) break;
            }
        }
    }

    /// <summary>Refuses an output path that is one of the inputs.</summary>
    public static void CheckNotInput(string output, string input, string what)
    {
        if (string.Equals(Path.GetFullPath(output), Path.GetFullPath(input), StringComparison.Ordinal))
            throw new InvalidOptionException(what, $"{output} is also the input; choose another path (an input is never overwritten)");
    }
}
