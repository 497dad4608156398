namespace ClinicaDl.Generate;

/// <summary>Which synthetic data set <c>clinicadl generate</c> makes (spec §8).</summary>
public enum GenerateMode
{
    /// <summary>Each source image gives one AD image (atrophy in mask 1) and one CN image (atrophy in mask 2): separable by design.</summary>
    Trivial,
    /// <summary>The first source image plus Gaussian noise, half labelled AD and half CN: not separable by design.</summary>
    Random,
}

/// <summary>Options of <c>clinicadl generate trivial|random</c>.</summary>
/// <param name="Mode">trivial or random.</param>
/// <param name="OutputDir">OUTPUT_DIR: the synthetic CAPS and its label files.</param>
/// <param name="CapsDir"><c>--caps_dir</c>: a t1-linear CAPS to take the images from; null for built-in phantoms.</param>
/// <param name="Preprocessing"><c>--preprocessing</c>: only <c>t1-linear</c>.</param>
/// <param name="SubjectsSessionsTsv"><c>-tsv/--subjects_sessions_tsv</c>: which sessions of CAPS_DIR to use.</param>
/// <param name="NSubjects"><c>--n_subjects</c>: n; 2n images are written.</param>
/// <param name="AtrophyPercent"><c>--atrophy_percent</c> (trivial).</param>
/// <param name="MaskPath"><c>--mask_path</c> (trivial): a folder with <c>mask-1.nii[.gz]</c> and <c>mask-2.nii[.gz]</c>; null for the built-in hemisphere masks.</param>
/// <param name="Mean"><c>--mean</c> of the noise (random).</param>
/// <param name="Sigma"><c>--sigma</c> of the noise (random).</param>
/// <param name="Seed"><c>--seed</c>: phantoms, atrophy and noise are drawn from it.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace an earlier generated data set in OUTPUT_DIR.</param>
/// <param name="Workers">Images generated in parallel.</param>
public sealed record GenerateOptions(
    GenerateMode Mode,
    string OutputDir,
    string? CapsDir = null,
    string Preprocessing = "t1-linear",
    string? SubjectsSessionsTsv = null,
    int NSubjects = 300,
    double AtrophyPercent = 60,
    string? MaskPath = null,
    double Mean = 0,
    double Sigma = 0.5,
    long Seed = 0,
    bool Overwrite = false,
    int Workers = 2);

/// <summary>Progress of a generation: images written so far.</summary>
public readonly record struct GenerateProgress(int Written, int Total, string LastParticipant);

/// <summary>What a generation wrote.</summary>
/// <param name="OutputDir">The output folder.</param>
/// <param name="Participants">Participants written, in order.</param>
/// <param name="LabelsFolder">The folder holding <c>AD.tsv</c> and <c>CN.tsv</c>.</param>
/// <param name="MaskNames">ROI names of the masks written into the CAPS (usable with <c>--roi_list</c>).</param>
public sealed record GenerateResult(string OutputDir, IReadOnlyList<string> Participants, string LabelsFolder, IReadOnlyList<string> MaskNames)
{
    /// <summary>Files of OUTPUT_DIR that generate did not write, kept by <c>--overwrite</c>.</summary>
    public IReadOnlyList<string> KeptFiles { get; init; } = [];
}
