using System.CommandLine;
using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Runs.RandomSearch;
using ClinicaDl.Training;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl random-search LAUNCH_DIR NAME</c> (spec verbs §3.1): one job sampled from <c>LAUNCH_DIR/random_search.json</c> and trained.</summary>
internal static class RandomSearchCommand
{
    public static Command Build(CliContext context, Option<string> logname)
    {
        var launchDir = new Argument<string>("LAUNCH_DIR") { Description = "Folder holding random_search.json; the job folder is created inside it." };
        var name = new Argument<string>("NAME") { Description = "Name of the job folder: results go to LAUNCH_DIR/NAME." };
        var seed = OptionFactory.OptionalInt("--seed", "Seed of the sampling (as Python's random.seed) and of the training (default: drawn at random and recorded in commandline.json).", 0);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace the results of an earlier job of the same NAME.");
        var cmd = new Command("random-search", "Sample one configuration from LAUNCH_DIR/random_search.json (a RandomArchitecture and training options) and train it.")
        {
            launchDir, name,
        };
        // train's options of folds and resources (the job's record holds them; random_search.json the rest).
        ModeOptions anyMode = new ImageOptions();
        var bound = SchemaOptions.AddTo(cmd,
            [TrainSchema.NSplits, TrainSchema.Split, TrainSchema.UseCpu, TrainSchema.NProc, TrainSchema.BatchSize, TrainSchema.EvaluationSteps,
                TrainSchema.Threads, TrainSchema.EvalBatchSize, TrainSchema.CacheMemory, TrainSchema.Amp],
            anyMode, NetworkKind.Cnn, new Dictionary<TrainOption, string>
            {
                [TrainSchema.EvaluationSteps] = "Evaluate every this many batches (0: at epoch ends only); rounded up to a multiple of the sampled accumulation_steps.",
                [TrainSchema.Amp] = "bfloat16 mixed precision; faster only on GPUs and on CPUs with AVX512-BF16 or AMX.",
            });
        cmd.Options.Add(seed);
        cmd.Options.Add(overwrite);
        cmd.SetAction(r =>
        {
            var given = SchemaOptions.Apply(bound, r, TrainSchema.Blank(anyMode, NetworkKind.Cnn));
            var options = new RandomSearchOptions(r.GetValue(launchDir)!, r.GetValue(name)!, given.Computational, given.CrossValidation,
                r.GetValue(seed), r.GetValue(overwrite), TrainSchema.LogName.Apply(given, r.GetValue(logname)).LogName);
            var renderer = context.Renderer();
            string output = Path.Combine(options.LaunchDir, options.Name);
            SampledJob? job = null;
            var summary = TrainCommand.RunInterruptible(context, output, () => renderer.Run(() =>
            {
                var result = new RandomSearchRun(options, renderer).Execute(context.Cancel);
                job = result.Job;
                return result.Summary;
            }));
            context.Output.WriteLine($"Sampled: {RandomSearchRun.Describe(job!)}");
            TrainSummaryPrinter.Print(context, summary);
            return CliApp.Success;
        });
        return cmd;
    }
}
