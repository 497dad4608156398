namespace ClinicaDl.Tsv;

/// <summary>Finds a clinical column by a short name, as ClinicaDL's <c>find_label</c> does (spec §5.1).</summary>
public static class ColumnLookup
{
    /// <summary>The column named exactly <paramref name="target"/>; otherwise the shortest column whose lower-cased name
    /// contains it (ties: the first in file order); null when none does.</summary>
    /// <remarks>A column such as <c>image_id</c> matches <c>age</c>: the shortest match wins, as in 0.2.1.</remarks>
    public static string? Find(IReadOnlyList<string> columns, string target)
    {
        if (columns.Contains(target, StringComparer.Ordinal)) return target;
        string? best = null;
        foreach (string column in columns)
            if (column.ToLowerInvariant().Contains(target, StringComparison.Ordinal) && (best is null || column.Length < best.Length))
                best = column;
        return best;
    }
}
