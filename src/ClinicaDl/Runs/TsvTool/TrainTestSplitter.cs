using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Errors;
using ClinicaDl.Formats;

namespace ClinicaDl.Runs.TsvTool;

/// <summary>Options of <c>clinicadl tsvtool split</c> (spec §4.4).</summary>
/// <param name="FormattedDataPath">Folder of label files (<c>AD.tsv</c>, <c>CN.tsv</c>, …).</param>
/// <param name="NTest"><c>--n_test</c>: subjects per label in the held-out subset (&gt; 1), or a fraction (≤ 1).</param>
/// <param name="SubsetName"><c>--subset_name</c>: ClinicaDL's default is <c>test</c>; training reads <c>validation</c>.</param>
/// <param name="MciSubCategories">False when <c>--MCI_sub_categories</c> is given.</param>
/// <param name="PSexThreshold"><c>--p_sex_threshold</c>: minimal chi-square p-value for sex.</param>
/// <param name="PAgeThreshold"><c>--p_age_threshold</c>: minimal t-test p-value for age.</param>
/// <param name="IgnoreDemographics"><c>--ignore_demographics</c>: one random draw, no balancing.</param>
/// <param name="CategoricalSplitVariable"><c>--categorical_split_variable</c>: stratify on this column (default: none).</param>
/// <param name="Seed"><c>--seed</c>.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace existing output folders.</param>
/// <param name="MaxDraws">How many draws to try before giving up on the demographic thresholds.</param>
public sealed record SplitOptions(
    string FormattedDataPath,
    double NTest = 100,
    string SubsetName = "test",
    bool MciSubCategories = true,
    double PSexThreshold = 0.8,
    double PAgeThreshold = 0.8,
    bool IgnoreDemographics = false,
    string? CategoricalSplitVariable = null,
    long Seed = 2,
    bool Overwrite = false,
    int MaxDraws = 10000);

/// <summary>Subject-level train / held-out split of label files, balanced for age and sex.</summary>
/// <remarks>
/// Per label file: baseline rows; the held-out size is <c>int(n_test)</c> when n_test &gt; 1, else
/// <c>int(n_test × subjects)</c>; seeded draws are repeated until the age t-test and the sex chi-square p-values
/// reach their thresholds (columns found as the shortest names containing "age" and "sex"; a missing or
/// constant column passes). Writes <c>train/&lt;L&gt;_baseline.tsv</c>, <c>train/&lt;L&gt;.tsv</c>,
/// <c>&lt;subset&gt;/&lt;L&gt;_baseline.tsv</c>, <c>&lt;subset&gt;/&lt;L&gt;.tsv</c> and <c>split.json</c>.
/// Training needs <c>train/</c> and <c>validation/</c>: run with <c>--subset_name validation</c>
/// (ClinicaDL's recipe: split off <c>test</c> first, then split <c>train/</c> again into validation).
/// </remarks>
public static class TrainTestSplitter
{
    /// <summary>Checks options and label files, then writes the split.</summary>
    /// <returns>The two folders written (train, held-out).</returns>
    public static IReadOnlyList<string> Run(SplitOptions options)
    {
        if (!double.IsFinite(options.NTest) || options.NTest <= 0)
            throw new InvalidOptionException("--n_test", "a positive number (a count > 1 or a fraction ≤ 1)", options.NTest.ToString("R", CultureInfo.InvariantCulture));
        Guard.InRange("--p_sex_threshold", options.PSexThreshold, 0, 1);
        Guard.InRange("--p_age_threshold", options.PAgeThreshold, 0, 1);
        SplitNames.CheckSubsetName(options.SubsetName);
        if (options.SubsetName == "train")
            throw new InvalidOptionException("--subset_name", "a name other than train", options.SubsetName);

        var groups = LabelGroup.ReadFolder(options.FormattedDataPath);
        var subjects = groups.ToDictionary(g => g.Name, g => g.Subjects.ToList());
        bool mciTreatment = MciSubCategories.Applies(options.MciSubCategories, subjects);
        if (mciTreatment) MciSubCategories.RemoveSubtypeSubjects(subjects);
        var held = new Dictionary<string, HashSet<string>>();
        foreach (var group in groups)
            held[group.Name] = Draw(group, subjects[group.Name], options);

        string trainDir = Path.Combine(options.FormattedDataPath, "train");
        string heldDir = Path.Combine(options.FormattedDataPath, options.SubsetName);
        SplitOutput.Prepare([trainDir, heldDir], options.Overwrite);
        Directory.CreateDirectory(trainDir);
        Directory.CreateDirectory(heldDir);
        foreach (var group in groups)
        {
            var train = subjects[group.Name].Where(s => !held[group.Name].Contains(s)).ToList();
            var test = subjects[group.Name].Where(held[group.Name].Contains).ToList();
            var rows = new[] { group.Baseline(train).ToList(), group.AllSessions(train).ToList(), group.Baseline(test).ToList(), group.AllSessions(test).ToList() };
            if (mciTreatment && group.Name == "MCI")
            {
                foreach (var subtype in MciSubCategories.SubtypeGroups(groups))
                {
                    var subTrain = subjects[subtype.Name].Where(s => !held[subtype.Name].Contains(s)).ToList();
                    var subTest = subjects[subtype.Name].Where(held[subtype.Name].Contains).ToList();
                    rows[0].AddRange(MciSubCategories.Relabel(subtype, subtype.Baseline(subTrain), group));
                    rows[1].AddRange(MciSubCategories.Relabel(subtype, subtype.AllSessions(subTrain), group));
                    rows[2].AddRange(MciSubCategories.Relabel(subtype, subtype.Baseline(subTest), group));
                    rows[3].AddRange(MciSubCategories.Relabel(subtype, subtype.AllSessions(subTest), group));
                }
            }
            group.Write(Path.Combine(trainDir, group.Name + "_baseline.tsv"), rows[0]);
            group.Write(Path.Combine(trainDir, group.Name + ".tsv"), rows[1]);
            group.Write(Path.Combine(heldDir, group.Name + "_baseline.tsv"), rows[2]);
            group.Write(Path.Combine(heldDir, group.Name + ".tsv"), rows[3]);
        }

        var json = new JsonObject
        {
            ["formatted_data_path"] = options.FormattedDataPath,
            ["n_test"] = options.NTest,
            ["subset_name"] = options.SubsetName,
            ["MCI_sub_categories"] = options.MciSubCategories,
            ["p_sex_threshold"] = options.PSexThreshold,
            ["p_age_threshold"] = options.PAgeThreshold,
            ["ignore_demographics"] = options.IgnoreDemographics,
            ["categorical_split_variable"] = options.CategoricalSplitVariable,
            ["seed"] = options.Seed,
        };
        AtomicFile.WriteAllText(Path.Combine(options.FormattedDataPath, "split.json"),
            json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return [trainDir, heldDir];
    }

    private static HashSet<string> Draw(LabelGroup group, IReadOnlyList<string> subjects, SplitOptions options)
    {
        int n = subjects.Count;
        int nTest = options.NTest > 1 ? (int)options.NTest : (int)(options.NTest * n);
        if (nTest < 1 || nTest >= n)
        {
            string given = options.NTest > 1
                ? options.NTest.ToString("R", CultureInfo.InvariantCulture)
                : $"{options.NTest.ToString("R", CultureInfo.InvariantCulture)} (a fraction: {nTest} of {n} subjects)";
            throw new InvalidOptionException("--n_test",
                $"a held-out size between 1 and {n - 1} subjects for {group.Name}.tsv ({n} subjects): a count > 1 or a fraction ≤ 1", given);
        }

        var rng = new RandomSource(options.Seed, "split/" + group.Name);
        int stratum = options.CategoricalSplitVariable is null ? -1 : group.Table.IndexOf(options.CategoricalSplitVariable);
        int age = ShortestContaining(group, "age"), sex = ShortestContaining(group, "sex");
        int draws = options.IgnoreDemographics ? 1 : options.MaxDraws;
        double bestP = -1;
        for (int attempt = 0; attempt < draws; attempt++)
        {
            var test = DrawOnce(group, subjects, nTest, stratum, rng);
            if (options.IgnoreDemographics) return test;
            double pAge = AgePValue(group, subjects, test, age), pSex = SexPValue(group, subjects, test, sex);
            if (pAge >= options.PAgeThreshold && pSex >= options.PSexThreshold) return test;
            bestP = Math.Max(bestP, Math.Min(pAge, pSex));
        }
        throw new InvalidOptionException("--p_age_threshold/--p_sex_threshold",
            $"thresholds that a split of {group.Name}.tsv can reach; none of {draws} draws did (best smallest p-value {bestP:0.###}). Lower the thresholds or add --ignore_demographics");
    }

    private static HashSet<string> DrawOnce(LabelGroup group, IReadOnlyList<string> subjects, int nTest, int stratumColumn, RandomSource rng)
    {
        if (stratumColumn < 0)
        {
            var order = rng.Permutation(subjects.Count);
            return order.Take(nTest).Select(i => subjects[i]).ToHashSet(StringComparer.Ordinal);
        }
        // Stratified: each stratum contributes in proportion, remainders dealt to the largest fractions.
        var strata = subjects.GroupBy(s => group.BaselineRows[s][stratumColumn]).Select(g => g.ToList()).ToList();
        var exact = strata.Select(s => (double)s.Count * nTest / subjects.Count).ToArray();
        var take = exact.Select(x => (int)Math.Floor(x)).ToArray();
        foreach (int i in Enumerable.Range(0, strata.Count).OrderByDescending(i => exact[i] - take[i]).Take(nTest - take.Sum()))
            take[i]++;
        var result = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < strata.Count; i++)
        {
            rng.Shuffle(strata[i]);
            result.UnionWith(strata[i].Take(take[i]));
        }
        return result;
    }

    private static int ShortestContaining(LabelGroup group, string word)
    {
        var match = group.Table.Columns.Select((c, i) => (c, i)).Where(x => x.c.Contains(word, StringComparison.Ordinal))
            .OrderBy(x => x.c.Length).FirstOrDefault();
        return match.c is null ? -1 : match.i;
    }

    private static double AgePValue(LabelGroup group, IReadOnlyList<string> subjects, HashSet<string> test, int column)
    {
        if (column < 0) return 1;
        var a = new List<double>();
        var b = new List<double>();
        foreach (var s in subjects)
        {
            if (!double.TryParse(group.BaselineRows[s][column], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) continue;
            (test.Contains(s) ? b : a).Add(v);
        }
        return Statistics.TTestPValue(a, b);
    }

    private static double SexPValue(LabelGroup group, IReadOnlyList<string> subjects, HashSet<string> test, int column)
    {
        if (column < 0) return 1;
        var categories = subjects.Select(s => group.BaselineRows[s][column]).Distinct().Order(StringComparer.Ordinal).ToList();
        var table = new double[2, categories.Count];
        foreach (var s in subjects)
            table[test.Contains(s) ? 1 : 0, categories.IndexOf(group.BaselineRows[s][column])]++;
        return Statistics.ChiSquarePValue(table);
    }
}
