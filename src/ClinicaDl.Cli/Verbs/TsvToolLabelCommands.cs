using System.CommandLine;
using ClinicaDl.Tsv;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl tsvtool restrict|getlabels|analysis</c> (verbs spec §5): label files from clinica's merged TSV.</summary>
internal static class TsvToolLabelCommands
{
    private static readonly string[] DiagnosisChoices = [.. LabelExtraction.Labels];

    public static Command Restrict(CliContext context)
    {
        var dataset = OptionFactory.ChoiceArgument("DATASET", "Data set whose rule applies (AIBL: participants without imaging date; OASIS: age_bl < 62).", "AIBL", "OASIS");
        var merged = new Argument<string>("MERGED_TSV") { Description = "clinica's merged TSV (clinica iotools merge-tsv)." };
        var results = new Argument<string>("RESULTS_TSV") { Description = "The restricted TSV to write." };
        var overwrite = OptionFactory.Flag("--overwrite", "Replace an existing RESULTS_TSV.");
        var cmd = new Command("restrict", "Remove the rows ClinicaDL's papers removed from AIBL or OASIS merged TSVs.") { dataset, merged, results, overwrite };
        cmd.SetAction(r =>
        {
            var result = MergedTsvRestriction.Run(new RestrictOptions(Enum.Parse<RestrictedDataset>(r.GetValue(dataset)!),
                r.GetValue(merged)!, r.GetValue(results)!, r.GetValue(overwrite)));
            context.Output.WriteLine($"Wrote {r.GetValue(results)} ({result.RowsWritten} of {result.RowsRead} rows kept).");
            return CliApp.Success;
        });
        return cmd;
    }

    public static Command GetLabels(CliContext context)
    {
        var merged = new Argument<string>("MERGED_TSV") { Description = "clinica's merged TSV (clinica iotools merge-tsv)." };
        var missing = new Argument<string>("MISSING_MODS") { Description = "Folder of missing_mods_<session>.tsv files (clinica iotools missing-mods)." };
        var results = new Argument<string>("RESULTS_DIR") { Description = "Folder of the label files to write." };
        var modality = OptionFactory.Text("--modality", "Column of the missing-modalities files that must be true for a session to be kept.", "t1w", "MODALITY", "-mod");
        var diagnoses = OptionFactory.Choices("--diagnoses", "Labels to extract.", ["AD", "CN"], DiagnosisChoices);
        var horizon = OptionFactory.Int("--time_horizon", "Months after an MCI session whose diagnosis decides sMCI/pMCI.", 36, 0);
        var restriction = OptionFactory.Text("--restriction_path", "TSV (participant_id, session_id) of the sessions that may be kept.", helpName: "TSV");
        var variables = OptionFactory.List("--variables_of_interest", "Merged columns to keep besides diagnosis, age and sex (in this order).", "COLUMN");
        var keepSmc = OptionFactory.Flag("--keep_smc", "Keep rows whose diagnosis_bl or diagnosis_sc is SMC.");
        var overwrite = OptionFactory.Flag("--overwrite", "Replace label files and getlabels.json that already exist in RESULTS_DIR.");
        var cmd = new Command("getlabels", "One label file per diagnosis (AD, BV, CN, MCI, sMCI, pMCI) from clinica's merged TSV and missing-modalities files.")
            { merged, missing, results, modality, diagnoses, horizon, restriction, variables, keepSmc, overwrite };
        cmd.SetAction(r =>
        {
            string[]? voi = r.GetValue(variables);
            var result = LabelExtraction.Run(new GetLabelsOptions(r.GetValue(merged)!, r.GetValue(missing)!, r.GetValue(results)!, r.GetValue(diagnoses)!,
                r.GetValue(modality)!, r.GetValue(restriction), r.GetValue(horizon), voi is { Length: > 0 } ? voi : null, r.GetValue(keepSmc), r.GetValue(overwrite)));
            foreach (string warning in result.Warnings) context.Error.WriteLine("clinicadl: warning: " + warning);
            foreach (var file in result.Files)
                context.Output.WriteLine($"Found {file.Subjects} {file.Label} subjects for a total of {file.Sessions} sessions: {file.Path}");
            return CliApp.Success;
        });
        return cmd;
    }

    public static Command Analysis(CliContext context)
    {
        var merged = new Argument<string>("MERGED_TSV") { Description = "clinica's merged TSV (clinica iotools merge-tsv)." };
        var formatted = new Argument<string>("FORMATTED_DATA_PATH") { Description = "Folder of label files (tsvtool getlabels' output)." };
        var results = new Argument<string>("RESULTS_TSV") { Description = "The demographics table to write." };
        var diagnoses = OptionFactory.Choices("--diagnoses", "Label files to describe, one row each.", ["AD", "CN"], DiagnosisChoices);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace an existing RESULTS_TSV.");
        var cmd = new Command("analysis", "Demographics (age, sex, MMSE, CDR, number of scans) of each label file.") { merged, formatted, results, diagnoses, overwrite };
        cmd.SetAction(r =>
        {
            var result = DemographicsAnalysis.Run(new AnalysisOptions(r.GetValue(merged)!, r.GetValue(formatted)!, r.GetValue(results)!, r.GetValue(diagnoses)!, r.GetValue(overwrite)));
            foreach (string note in result.Notes) context.Output.WriteLine(note);
            foreach (string warning in result.Warnings) context.Error.WriteLine("clinicadl: warning: " + warning);
            context.Output.WriteLine($"Wrote {result.Path}.");
            return CliApp.Success;
        });
        return cmd;
    }
}
