namespace ClinicaDl.Caps;

/// <summary>ClinicaDL's treatment of MCI sub-categories in <c>tsvtool split</c> and <c>kfold</c> (spec §4.3).</summary>
/// <remarks>
/// When <c>MCI.tsv</c> and <c>sMCI.tsv</c> or <c>pMCI.tsv</c> are split together (and <c>--MCI_sub_categories</c> is not
/// given), MCI subjects that also belong to a sub-category leave MCI, and the sub-categories' rows are appended to MCI's
/// output files, so that no subject can be on both sides of a split through two labels.
/// </remarks>
internal static class MciSubCategories
{
    private static readonly string[] Subtypes = ["sMCI", "pMCI"];

    /// <summary>True when the treatment applies to these label files.</summary>
    public static bool Applies(bool enabled, IReadOnlyDictionary<string, List<string>> subjects)
        => enabled && subjects.ContainsKey("MCI") && Subtypes.Any(subjects.ContainsKey);

    /// <summary>Removes from MCI's subjects those that a sub-category lists.</summary>
    public static void RemoveSubtypeSubjects(Dictionary<string, List<string>> subjects)
    {
        var inSubtypes = Subtypes.Where(subjects.ContainsKey).SelectMany(t => subjects[t]).ToHashSet(StringComparer.Ordinal);
        subjects["MCI"].RemoveAll(inSubtypes.Contains);
    }

    /// <summary>The sub-category files among <paramref name="groups"/>.</summary>
    public static IEnumerable<LabelGroup> SubtypeGroups(IEnumerable<LabelGroup> groups) => groups.Where(g => Subtypes.Contains(g.Name));

    /// <summary>Rows of a sub-category file rewritten with the columns of <paramref name="target"/> (missing columns empty).</summary>
    public static IEnumerable<string[]> Relabel(LabelGroup source, IEnumerable<string[]> rows, LabelGroup target)
    {
        var map = target.Table.Columns.Select(c => source.Table.HasColumn(c) ? source.Table.IndexOf(c) : -1).ToArray();
        return rows.Select(r => map.Select(i => i < 0 ? "" : r[i]).ToArray());
    }
}
