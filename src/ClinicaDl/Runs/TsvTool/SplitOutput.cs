using ClinicaDl.Errors;

namespace ClinicaDl.Runs.TsvTool;

/// <summary>Output-folder rules shared by <c>tsvtool split</c> and <c>kfold</c>.</summary>
internal static class SplitOutput
{
    /// <summary>Refuses folders that already exist unless <paramref name="overwrite"/>; with it, removes exactly those folders.</summary>
    /// <remarks>ClinicaDL deletes them silently; we never delete results the user did not ask us to replace.</remarks>
    public static void Prepare(IEnumerable<string> folders, bool overwrite)
    {
        var existing = folders.Where(Directory.Exists).ToList();
        if (existing.Count == 0) return;
        if (!overwrite)
            throw new OutputFolderException(existing[0], "already exists.", "Add --overwrite to replace it, or move it away.");
        foreach (var folder in existing) Directory.Delete(folder, recursive: true);
    }
}
