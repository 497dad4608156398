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
        var nSplits = OptionFactory.OptionalInt("--n_splits", "Read train_splits-<n>/validation_splits-<n> (default: train/ and validation/).", 2);
        var split = OptionFactory.IntList("--split", "Folds to train (default: all).", 0);
        var useCpu = OptionFactory.Flag("--use_cpu", "Run on the CPU (default: GPU).", "-cpu");
        var nproc = OptionFactory.Int("--nproc", "Images decoded in parallel into the cache.", 2, 1, "-np");
        var batchSize = OptionFactory.Int("--batch_size", "Mini-batch size.", 2, 1);
        var evaluationSteps = OptionFactory.Int("--evaluation_steps",
            "Evaluate every this many batches (0: at epoch ends only); rounded up to a multiple of the sampled accumulation_steps.", 0, 0, "-esteps");
        var threads = OptionFactory.OptionalInt("--threads", "LibTorch intra-op threads (default: all cores).", 1);
        var evalBatch = OptionFactory.OptionalInt("--eval_batch_size", "Batch size of evaluation passes (default: --batch_size).", 1);
        var cacheMemory = OptionFactory.Bytes("--cache_memory", TrainCommand.CacheMemoryHelp);
        var amp = OptionFactory.Flag("--amp", "bfloat16 mixed precision; faster only on GPUs and on CPUs with AVX512-BF16 or AMX.");
        var seed = OptionFactory.OptionalInt("--seed", "Seed of the sampling (as Python's random.seed) and of the training (default: drawn at random and recorded in commandline.json).", 0);
        var overwrite = OptionFactory.Flag("--overwrite", "Replace the results of an earlier job of the same NAME.");
        var cmd = new Command("random-search", "Sample one configuration from LAUNCH_DIR/random_search.json (a RandomArchitecture and training options) and train it.")
        {
            launchDir, name, nSplits, split, useCpu, nproc, batchSize, evaluationSteps, threads, evalBatch, cacheMemory, amp, seed, overwrite,
        };
        cmd.SetAction(r =>
        {
            var splits = r.GetValue(split);
            var options = new RandomSearchOptions(r.GetValue(launchDir)!, r.GetValue(name)!,
                new ComputationalOptions(r.GetValue(useCpu), r.GetValue(nproc), r.GetValue(batchSize), r.GetValue(evaluationSteps),
                    r.GetValue(threads), r.GetValue(evalBatch), r.GetValue(cacheMemory), r.GetValue(amp)),
                new CrossValidationOptions(r.GetValue(nSplits), splits is { Length: > 0 } ? splits : null),
                r.GetValue(seed), r.GetValue(overwrite), r.GetValue(logname) ?? "clinicaDL.log");
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
