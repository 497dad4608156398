using System.Globalization;
using System.Security.Cryptography;
using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Runs;
using ClinicaDl.Training;

namespace ClinicaDl.Runs.RandomSearch;

/// <summary>Options of <c>clinicadl random-search LAUNCH_DIR NAME</c> (spec verbs §3.1): the job folder, fold selection and resources;
/// everything else comes from <c>LAUNCH_DIR/random_search.json</c>.</summary>
/// <param name="LaunchDir">LAUNCH_DIR: holds random_search.json; the job folder is created inside it.</param>
/// <param name="Name">NAME: the job folder's name.</param>
/// <param name="Computational"><c>-cpu</c>, <c>-np</c>, <c>--batch_size</c>, <c>-esteps</c> (rounded up to the sampled accumulation) and ours.</param>
/// <param name="CrossValidation"><c>--n_splits</c>, <c>--split</c>.</param>
/// <param name="Seed"><c>--seed</c>: seeds the sampling (CPython's <c>random.seed</c>) and the training; null draws one, recorded in commandline.json.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace an earlier job of the same NAME.</param>
/// <param name="LogName"><c>-l/--logname</c>.</param>
public sealed record RandomSearchOptions(string LaunchDir, string Name, ComputationalOptions Computational, CrossValidationOptions CrossValidation,
    long? Seed = null, bool Overwrite = false, string LogName = "clinicaDL.log");

/// <summary>Runs one random-search job: read and check <c>random_search.json</c>, draw one configuration, train it as <c>train</c> does.</summary>
/// <remarks>
/// One call is one job, as in 0.2.1; a search is many calls with different NAMEs (a SLURM array job, say). The job folder
/// <c>LAUNCH_DIR/NAME</c> is an ordinary results folder (classify, interpret and <c>train resume</c> read it) whose
/// <c>commandline.json</c> records the sampled values and the <c>convolutions</c> of the <see cref="Networks.RandomArchitecture"/>.
/// </remarks>
public sealed class RandomSearchRun(RandomSearchOptions options, ITrainingObserver? observer = null, TimeProvider? time = null)
{
    /// <summary>The modes this build's random search trains: all four (0.2.1 crashed in roi mode, V3).</summary>
    public static readonly IReadOnlyList<string> SupportedModes = ["image", "patch", "roi", "slice"];

    private readonly ITrainingObserver observer = observer ?? NullTrainingObserver.Instance;

    /// <summary>Samples and trains; returns the job and the training summary.</summary>
    /// <exception cref="ClinicaDlException">Bad input (nothing written) or a failed run.</exception>
    public (SampledJob Job, TrainOptions Options, RunSummary Summary) Execute(CancellationToken cancel = default)
    {
        var (job, train) = Prepare(options, observer);
        observer.Message(MessageLevel.Info, $"random search job {options.Name} (seed {train.Seed.ToString(CultureInfo.InvariantCulture)}): {Describe(job)}");
        var summary = new TrainingRun(train, observer, time).Execute(cancel);
        return (job, train, summary);
    }

    /// <summary>Reads, checks and samples, and builds the training options of the job; writes nothing.</summary>
    public static (SampledJob Job, TrainOptions Options) Prepare(RandomSearchOptions o, ITrainingObserver? observer = null)
    {
        if (string.IsNullOrEmpty(o.Name) || o.Name is "." or ".." || o.Name.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new InvalidOptionException("NAME", "a folder name (no '/')", $"'{o.Name}'");
        var space = SearchSpace.Read(o.LaunchDir);
        long seed = o.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        var job = JobSampler.Sample(space, new PythonRandom(seed), SupportedModes, w => observer?.Message(MessageLevel.Warning, w));
        return (job, ToTrainOptions(job, o, seed));
    }

    /// <summary>The training options of a sampled job.</summary>
    public static TrainOptions ToTrainOptions(SampledJob job, RandomSearchOptions o, long seed)
    {
        var kind = NetworkKind.Named(job.NetworkType) ?? throw new InvalidOperationException($"network_type {job.NetworkType} was not checked.");
        var c = o.Computational with { EvaluationSteps = JobSampler.EvaluationSteps(o.Computational.EvaluationSteps, job.AccumulationSteps) };
        var augmentation = job.DataAugmentation?.Select(a => Enum.Parse<AugmentationKind>(a)).ToList();
        return new TrainOptions(kind, job.CapsDir, job.Preprocessing, job.TsvPath, Path.Combine(o.LaunchDir, o.Name), "RandomArchitecture",
            c,
            new DataOptions(job.MultiCohort, job.Diagnoses, job.Baseline, job.Unnormalize, augmentation is { Count: > 0 } ? augmentation : null,
                job.Sampler == "weighted" ? SamplerKind.Weighted : SamplerKind.Random),
            o.CrossValidation,
            new OptimizationOptions(job.Epochs, job.LearningRate, job.WeightDecay, job.Dropout, job.Patience, job.Tolerance, job.AccumulationSteps),
            Mode(job),
            new TransferOptions(job.TransferPath, job.TransferSelection),
            job.SelectionThreshold,
            Visualization: false,
            Seed: seed,
            Overwrite: o.Overwrite,
            LogName: o.LogName)
        {
            Architecture = new RandomArchitectureOptions(job.Convolutions, job.FcBlocks, job.Normalization),
            Search = new RandomSearchRecord(job.ChannelsLimit, job.WdBool, job.UseExtractedPatches, job.UseExtractedSlices),
        };
    }

    /// <summary>The mode options of a sampled job: the sampled patch grid or slices, the fixed <c>use_extracted_*</c> keys.</summary>
    private static ModeOptions Mode(SampledJob job) => job.Mode switch
    {
        "image" => new ImageOptions(),
        "patch" => new PatchOptions(job.PatchSize, job.StrideSize, job.UseExtractedPatches),
        "slice" => new SliceOptions(job.SliceDirection, job.DiscardedSlices == Slices.SliceRange.DefaultDiscarded ? null : [job.DiscardedSlices], job.UseExtractedSlices),
        _ => new RoiOptions(job.RoiList, job.UncroppedRoi, job.UseExtractedRoi),
    };

    /// <summary>A one-line description of the sampled values.</summary>
    public static string Describe(SampledJob j) => string.Create(CultureInfo.InvariantCulture,
        $"{j.Mode} {j.NetworkType}, learning_rate {j.LearningRate:G4}, weight_decay {j.WeightDecay:G4}, dropout {j.Dropout:0.###}, accumulation_steps {j.AccumulationSteps}, " +
        $"{j.Normalization}, {j.FcBlocks} FC block(s), convolutions {string.Join(" ", j.Convolutions.Select(b => $"{b.OutChannels}x{b.NConv}"))} ({Networks.ConvolutionBlock.Name(j.Convolutions[0].Reduction)})");
}
