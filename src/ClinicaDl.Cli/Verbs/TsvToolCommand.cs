using System.CommandLine;
using ClinicaDl.Tsv;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl tsvtool split|kfold</c> (spec §4.3–4.4): the label-file trees <c>train</c> reads; restrict, getlabels and analysis are in <see cref="TsvToolLabelCommands"/>.</summary>
internal static class TsvToolCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("tsvtool", "Label files from clinica's merged TSV (restrict, getlabels, analysis), and the train/validation trees that train reads (split, kfold).");
        command.Subcommands.Add(TsvToolLabelCommands.Restrict(context));
        command.Subcommands.Add(TsvToolLabelCommands.GetLabels(context));
        command.Subcommands.Add(KFold(context));
        command.Subcommands.Add(Split(context));
        command.Subcommands.Add(TsvToolLabelCommands.Analysis(context));
        return command;
    }

    private static Command KFold(CliContext context)
    {
        var path = new Argument<string>("FORMATTED_DATA_PATH") { Description = "Folder of label files (AD.tsv, CN.tsv, …)." };
        var n = OptionFactory.Int("--n_splits", "Number of folds.", 5, 2);
        var subset = OptionFactory.Text("--subset_name", "Name of the held-out subset (train reads validation).", "validation");
        var mci = OptionFactory.Flag("--MCI_sub_categories", "Disable the special treatment of MCI sub-categories (sMCI, pMCI).");
        var strat = OptionFactory.Text("--stratification", "Column to stratify on within each label.", helpName: "COLUMN");
        var seed = OptionFactory.Int("--seed", "Shuffling seed (ClinicaDL uses 2).", 2, int.MinValue);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace existing train_splits-<n> and <subset>_splits-<n> folders.");
        var cmd = new Command("kfold", "Subject-level k-fold split: train_splits-<n>/split-<i> and validation_splits-<n>/split-<i>.")
            { path, n, subset, mci, strat, seed, overwrite };
        cmd.SetAction(r =>
        {
            var written = KFoldSplitter.Run(new KFoldOptions(r.GetValue(path)!, r.GetValue(n), r.GetValue(subset)!, !r.GetValue(mci),
                r.GetValue(strat), r.GetValue(seed), r.GetValue(overwrite)));
            context.Output.WriteLine($"Wrote {string.Join(" and ", written)}; train with: --n_splits {r.GetValue(n)}");
            return CliApp.Success;
        });
        return cmd;
    }

    private static Command Split(CliContext context)
    {
        var path = new Argument<string>("FORMATTED_DATA_PATH") { Description = "Folder of label files (AD.tsv, CN.tsv, …)." };
        var nTest = OptionFactory.Double("--n_test", "Held-out subjects per label: a count (> 1) or a fraction (≤ 1).", 100, 0, minExclusive: true);
        var subset = OptionFactory.Text("--subset_name", "Name of the held-out subset (train reads validation).", "test");
        var mci = OptionFactory.Flag("--MCI_sub_categories", "Disable the special treatment of MCI sub-categories.");
        var pSex = OptionFactory.Double("--p_sex_threshold", "Minimal p-value of the sex chi-square test.", 0.8, 0, 1);
        var pAge = OptionFactory.Double("--p_age_threshold", "Minimal p-value of the age t-test.", 0.8, 0, 1);
        var ignore = OptionFactory.Flag("--ignore_demographics", "One random draw, without age/sex balancing.");
        var categorical = OptionFactory.Text("--categorical_split_variable", "Column to stratify on.", helpName: "COLUMN");
        var seed = OptionFactory.Int("--seed", "Seed of the draws.", 2, int.MinValue);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace existing train/ and <subset>/ folders.");
        var cmd = new Command("split", "Subject-level train / held-out split balanced for age and sex: train/ and <subset_name>/.")
            { path, nTest, subset, mci, pSex, pAge, ignore, categorical, seed, overwrite };
        cmd.SetAction(r =>
        {
            var written = TrainTestSplitter.Run(new SplitOptions(r.GetValue(path)!, r.GetValue(nTest), r.GetValue(subset)!, !r.GetValue(mci),
                r.GetValue(pSex), r.GetValue(pAge), r.GetValue(ignore), r.GetValue(categorical), r.GetValue(seed), r.GetValue(overwrite)));
            {
                context.Output.WriteLine($"Wrote {string.Join(" and ", written)}.");
                if (r.GetValue(subset) != "validation")
                    context.Output.WriteLine($"Training reads train/ and validation/: split {written[0]} again with --subset_name validation.");
            }
            return CliApp.Success;
        });
        return cmd;
    }
}
