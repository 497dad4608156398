using System.Text.RegularExpressions;
using ClinicaDl.Caps;

namespace ClinicaDl.Generate;

/// <summary>The files a <c>generate</c> run writes into its OUTPUT_DIR: what <c>--overwrite</c> may delete, and nothing else.</summary>
/// <remarks>
/// An earlier data set is replaced file by file: its images, masks and tables (recognised by the names generate gives
/// them) are deleted, then empty folders are removed. Files it did not write (extracted tensors, split folders of
/// <c>tsvtool</c>, a user's notes) are kept and counted, so the CLI can say so.
/// </remarks>
internal static partial class GeneratedFiles
{
    /// <summary>The top-level entries of a generated data set (their presence means OUTPUT_DIR already holds one).</summary>
    public static readonly IReadOnlyList<string> TopLevel = ["subjects", "masks", "labels", "missing_mods", "data.tsv", "commandline.json", "subjects_sessions_list.tsv"];

    private static readonly string[] Tables = ["labels/AD.tsv", "labels/CN.tsv", "missing_mods/missing_mods_ses-M00.tsv", "data.tsv", "commandline.json", "subjects_sessions_list.tsv"];
    private static readonly string[] MaskNames = ["leftHemisphere", "rightHemisphere", "mask1", "mask2", .. SyntheticCaps.HippocampusBoxes];

    [GeneratedRegex(@"^sub-(TRIV|RAND)[0-9]+$")]
    private static partial Regex Participant();

    /// <summary>Whether <paramref name="path"/> (under <paramref name="outputDir"/>) is a file generate writes.</summary>
    public static bool IsGenerated(string outputDir, string path)
    {
        string rel = Path.GetRelativePath(outputDir, path).Replace(Path.DirectorySeparatorChar, '/');
        if (Tables.Contains(rel, StringComparer.Ordinal)) return true;
        string name = Path.GetFileName(path);
        if (name.StartsWith(".clinicadl-write-", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal)) return true;
        var layout = new CapsLayout(outputDir);
        if (MaskNames.Any(m => layout.MaskPath(m) == path)) return true;
        string[] parts = rel.Split('/');
        return parts.Length == 5 && parts[0] == "subjects" && Participant().IsMatch(parts[1]) && parts[2] == "ses-M00"
            && path == layout.ImagePath(parts[1], "ses-M00");
    }

    /// <summary>Deletes the files of an earlier generated data set in <paramref name="outputDir"/>, then the folders left empty.</summary>
    /// <returns>The files kept because generate did not write them (full paths, sorted).</returns>
    public static IReadOnlyList<string> DeleteEarlier(string outputDir)
    {
        var kept = new List<string>();
        foreach (string top in TopLevel.Select(t => Path.Combine(outputDir, t)))
        {
            if (File.Exists(top))
            {
                if (IsGenerated(outputDir, top)) File.Delete(top);
                else kept.Add(top);
                continue;
            }
            if (!Directory.Exists(top)) continue;
            foreach (string file in Directory.EnumerateFiles(top, "*", SearchOption.AllDirectories).ToList())
            {
                if (IsGenerated(outputDir, file) && new FileInfo(file).LinkTarget is null) File.Delete(file);
                else kept.Add(file);
            }
            RemoveEmptyFolders(top);
        }
        kept.Sort(StringComparer.Ordinal);
        return kept;
    }

    private static void RemoveEmptyFolders(string folder)
    {
        if (new DirectoryInfo(folder).LinkTarget is not null) return;
        foreach (string sub in Directory.GetDirectories(folder)) RemoveEmptyFolders(sub);
        if (!Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
    }
}
