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
namespace ClinicaDl.Runs.Interpret;

/// <summary>Options of <c>clinicadl interpret {group,individual} MODEL_PATH NAME</c> (spec verbs §4.1).</summary>
/// <param name="Individual"><c>individual</c> (one map per session) instead of <c>group</c> (one mean map).</param>
/// <param name="ModelPath">A results folder of <c>train &lt;mode&gt; cnn</c> or of a random-search job.</param>
/// <param name="Name">Name of the interpretation: maps go to <c>fold-i/gradients/&lt;selection&gt;/&lt;NAME&gt;/</c>.</param>
/// <param name="BatchSize"><c>--batch_size</c> (default 1, as 0.2.1).</param>
/// <param name="UseCpu"><c>-cpu/--use_cpu</c>.</param>
/// <param name="NProc"><c>-np/--nproc</c>: images decoded in parallel.</param>
/// <param name="Selection"><c>--selection</c>: best models to explain, in order (default <c>best_loss</c>).</param>
/// <param name="TsvPath"><c>--tsv_path</c>, or null for the model's label folder.</param>
/// <param name="CapsDir"><c>--caps_dir</c>, or null for the model's CAPS.</param>
/// <param name="MultiCohort"><c>--multi_cohort</c> (used only with <c>--tsv_path</c> or <c>--caps_dir</c>).</param>
/// <param name="Diagnosis"><c>-d/--diagnosis</c>: the label file read and the rows kept.</param>
/// <param name="TargetDiagnosis"><c>--target_diagnosis</c>: the class whose logit is differentiated (default: the diagnosis).</param>
/// <param name="Baseline"><c>--baseline</c>: read <c>&lt;diagnosis&gt;_baseline.tsv</c>.</param>
/// <param name="KeepTrue"><c>--keep_true</c>: keep only correctly (true) or wrongly (false) classified sessions; null keeps all.</param>
/// <param name="NiftiTemplatePath"><c>--nifti_template_path</c>: its affine is used for the maps (default: identity).</param>
/// <param name="VMax"><c>--vmax</c>: colour range [−vmax, vmax] of the <c>map.jpg</c> of 2-D models (slices, phantoms).</param>
/// <param name="Threads"><c>--threads</c>.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace an earlier interpretation of the same NAME.</param>
/// <param name="LogName"><c>-l/--logname</c>.</param>
public sealed record InterpretOptions(
    bool Individual, string ModelPath, string Name, int BatchSize = 1, bool UseCpu = false, int NProc = 2,
    IReadOnlyList<string>? Selection = null, string? TsvPath = null, string? CapsDir = null, bool MultiCohort = false,
    string Diagnosis = "AD", string? TargetDiagnosis = null, bool Baseline = false, bool? KeepTrue = null,
    string? NiftiTemplatePath = null, double VMax = 0.5, int? Threads = null, bool Overwrite = false, string LogName = "clinicaDL.log")
{
    /// <summary>The selections to explain.</summary>
    public IReadOnlyList<string> Selections => Selection is { Count: > 0 } ? Selection : ["best_loss"];
}

/// <summary>What one (fold, selection) interpretation wrote.</summary>
/// <param name="Fold">The fold.</param>
/// <param name="Selection">The best model explained.</param>
/// <param name="Folder">The result folder.</param>
/// <param name="Sessions">Sessions whose elements were explained (after <c>--keep_true</c>).</param>
public sealed record InterpretResult(int Fold, string Selection, string Folder, int Sessions);
