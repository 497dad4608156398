using System.Text.Json;
using System.Text.Json.Nodes;
using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Errors;
using ClinicaDl.Formats;

namespace ClinicaDl.Runs.TsvTool;

/// <summary>Options of <c>clinicadl tsvtool kfold</c> (spec §4.3).</summary>
/// <param name="FormattedDataPath">Folder of label files (<c>AD.tsv</c>, <c>CN.tsv</c>, …).</param>
/// <param name="NSplits"><c>--n_splits</c>: number of folds (≥ 2).</param>
/// <param name="SubsetName"><c>--subset_name</c>: name of the held-out subset; training reads <c>validation</c>.</param>
/// <param name="MciSubCategories">False when <c>--MCI_sub_categories</c> is given (it disables the MCI treatment).</param>
/// <param name="Stratification"><c>--stratification</c>: column to stratify subjects on within each label, or null.</param>
/// <param name="Seed"><c>--seed</c>: shuffling seed (ClinicaDL uses a fixed random_state of 2).</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace existing split folders instead of refusing.</param>
public sealed record KFoldOptions(
    string FormattedDataPath,
    int NSplits = 5,
    string SubsetName = "validation",
    bool MciSubCategories = true,
    string? Stratification = null,
    long Seed = 2,
    bool Overwrite = false);

/// <summary>Subject-level k-fold splitting of label files into the tree <c>train roi</c> reads.</summary>
/// <remarks>
/// Per label file: the baseline session of each subject is taken, subjects are shuffled (within each stratum)
/// with the seed and dealt round-robin to the folds, so fold sizes differ by at most one and no subject is
/// ever on both sides of a fold. Writes, for fold i, <c>train_splits-n/split-i/&lt;L&gt;_baseline.tsv</c>,
/// <c>train_splits-n/split-i/&lt;L&gt;.tsv</c> (all sessions of the train subjects) and
/// <c>&lt;subset&gt;_splits-n/split-i/&lt;L&gt;_baseline.tsv</c>, plus <c>kfold.json</c>.
/// </remarks>
public static class KFoldSplitter
{
    /// <summary>Checks the options and the label files, then writes the split tree.</summary>
    /// <returns>The folders written (train, then held-out).</returns>
    /// <exception cref="ClinicaDlException">Bad options, bad label files, or existing split folders without overwrite.</exception>
    public static IReadOnlyList<string> Run(KFoldOptions options)
    {
        if (options.NSplits < 2)
            throw new InvalidOptionException("--n_splits", "an integer ≥ 2", options.NSplits.ToString(System.Globalization.CultureInfo.InvariantCulture));
        SplitNames.CheckSubsetName(options.SubsetName);
        var groups = LabelGroup.ReadFolder(options.FormattedDataPath);
        var subjectsPerGroup = groups.ToDictionary(g => g.Name, g => g.Subjects.ToList());

        bool mciTreatment = MciSubCategories.Applies(options.MciSubCategories, subjectsPerGroup);
        if (mciTreatment) MciSubCategories.RemoveSubtypeSubjects(subjectsPerGroup);

        var folds = new Dictionary<string, int[]>();
        foreach (var group in groups)
        {
            var subjects = subjectsPerGroup[group.Name];
            if (subjects.Count < options.NSplits)
                throw new InvalidOptionException("--n_splits",
                    $"at most the number of subjects of every label ({group.Name}.tsv has {subjects.Count})",
                    options.NSplits.ToString(System.Globalization.CultureInfo.InvariantCulture));
            folds[group.Name] = AssignFolds(group, subjects, options);
        }

        string trainRoot = Path.Combine(options.FormattedDataPath, $"train_splits-{options.NSplits}");
        string heldRoot = Path.Combine(options.FormattedDataPath, $"{options.SubsetName}_splits-{options.NSplits}");
        SplitOutput.Prepare([trainRoot, heldRoot], options.Overwrite);

        for (int fold = 0; fold < options.NSplits; fold++)
        {
            string trainDir = Path.Combine(trainRoot, $"split-{fold}");
            string heldDir = Path.Combine(heldRoot, $"split-{fold}");
            Directory.CreateDirectory(trainDir);
            Directory.CreateDirectory(heldDir);
            foreach (var group in groups)
            {
                var subjects = subjectsPerGroup[group.Name];
                var train = subjects.Where((_, i) => folds[group.Name][i] != fold).ToList();
                var held = subjects.Where((_, i) => folds[group.Name][i] == fold).ToList();
                var trainBaseline = group.Baseline(train).ToList();
                var trainAll = group.AllSessions(train).ToList();
                var heldBaseline = group.Baseline(held).ToList();
                if (mciTreatment && group.Name == "MCI")
                {
                    foreach (var subtype in MciSubCategories.SubtypeGroups(groups))
                    {
                        var subTrain = subjectsPerGroup[subtype.Name].Where((_, i) => folds[subtype.Name][i] != fold).ToList();
                        var subHeld = subjectsPerGroup[subtype.Name].Where((_, i) => folds[subtype.Name][i] == fold).ToList();
                        trainBaseline.AddRange(MciSubCategories.Relabel(subtype, subtype.Baseline(subTrain), group));
                        trainAll.AddRange(MciSubCategories.Relabel(subtype, subtype.AllSessions(subTrain), group));
                        heldBaseline.AddRange(MciSubCategories.Relabel(subtype, subtype.Baseline(subHeld), group));
                    }
                }
                group.Write(Path.Combine(trainDir, group.Name + "_baseline.tsv"), trainBaseline);
                group.Write(Path.Combine(trainDir, group.Name + ".tsv"), trainAll);
                group.Write(Path.Combine(heldDir, group.Name + "_baseline.tsv"), heldBaseline);
            }
        }

        var json = new JsonObject
        {
            ["formatted_data_path"] = options.FormattedDataPath,
            ["n_splits"] = options.NSplits,
            ["subset_name"] = options.SubsetName,
            ["MCI_sub_categories"] = options.MciSubCategories,
            ["stratification"] = options.Stratification,
            ["seed"] = options.Seed,
        };
        AtomicFile.WriteAllText(Path.Combine(options.FormattedDataPath, "kfold.json"),
            json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return [trainRoot, heldRoot];
    }

    /// <summary>The fold of each subject: shuffled within each stratum, then dealt round-robin.</summary>
    private static int[] AssignFolds(LabelGroup group, IReadOnlyList<string> subjects, KFoldOptions options)
    {
        var rng = new RandomSource(options.Seed, "kfold/" + group.Name);
        int stratumColumn = options.Stratification is null ? -1 : group.Table.IndexOf(options.Stratification);
        var strata = subjects
            .Select((s, i) => (Index: i, Stratum: stratumColumn < 0 ? "" : group.BaselineRows[s][stratumColumn]))
            .GroupBy(x => x.Stratum)
            .Select(g => g.Select(x => x.Index).ToList())
            .ToList();
        var order = new List<int>(subjects.Count);
        foreach (var stratum in strata)
        {
            rng.Shuffle(stratum);
            order.AddRange(stratum);
        }
        var folds = new int[subjects.Count];
        for (int position = 0; position < order.Count; position++)
            folds[order[position]] = position % options.NSplits;
        return folds;
    }
}
