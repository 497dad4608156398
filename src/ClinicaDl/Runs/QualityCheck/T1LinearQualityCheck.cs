using System.Globalization;
using System.Security.Cryptography;
using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Runs.TsvTool;
using ClinicaDl.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Runs.QualityCheck;

/// <summary>Options of <c>clinicadl quality-check t1-linear CAPS_DIR OUTPUT_TSV</c> (verbs spec §7.1).</summary>
/// <param name="CapsDir">CAPS with clinica's t1-linear outputs (the uncropped images are read).</param>
/// <param name="OutputTsv">The result table; must end in <c>.tsv</c>.</param>
/// <param name="SubjectsSessionsTsv"><c>-tsv</c>: sessions to check (default: every session of the CAPS).</param>
/// <param name="Threshold"><c>--threshold</c>: a session passes when its probability is above this.</param>
/// <param name="BatchSize"><c>--batch_size</c>: images per forward pass.</param>
/// <param name="NProc"><c>-np/--nproc</c>: images read in parallel.</param>
/// <param name="UseCpu"><c>-cpu/--use_cpu</c>.</param>
/// <param name="Weights"><c>--weights</c>: the network's state dict (default: 0.2.1's cache path).</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace an existing OUTPUT_TSV.</param>
public sealed record T1LinearQcOptions(
    string CapsDir,
    string OutputTsv,
    string? SubjectsSessionsTsv = null,
    double Threshold = 0.5,
    int BatchSize = 1,
    int NProc = 2,
    bool UseCpu = false,
    string? Weights = null,
    bool Overwrite = false);

/// <summary>One row of the quality-check table.</summary>
public sealed record QcRow(string Participant, string Session, float PassProbability, bool Pass);

/// <summary>What the quality check wrote, and what it warns about.</summary>
public sealed record T1LinearQcResult(string Path, IReadOnlyList<QcRow> Rows, IReadOnlyList<string> Warnings);

/// <summary><c>clinicadl quality-check t1-linear</c>: the probability that each t1-linear registration succeeded, by 0.2.1's
/// network (<see cref="ResNetQc"/>) on three central slices (<see cref="QcSlices"/>).</summary>
/// <remarks>
/// The weights are never downloaded: they are read from <c>--weights</c> (default: <see cref="DefaultWeights"/>, where 0.2.1
/// caches its download), a PyTorch zip file holding the plain state dict, loaded strictly (names and shapes). A file
/// that is not ClinicaDL's (SHA-256 differs) is used with a warning. Output: <c>participant_id, session_id,
/// pass_probability, pass</c>, sorted by probability, highest first (ties keep the session order). Differences
/// (docs/coming-from-clinicadl.md): a missing weight file is an error naming the file and where to get it (0.2.1:
/// a swallowed download failure, then a traceback, V25); every image is checked before the network runs; no
/// <c>subjects_sessions_list.tsv</c> is written next to the output; an existing output is kept unless <c>--overwrite</c>.
/// </remarks>
public static class T1LinearQualityCheck
{
    /// <summary>Where ClinicaDL 0.2.1 downloads the weights from.</summary>
    public const string WeightsUrl = "https://aramislab.paris.inria.fr/files/data/models/dl/qc/resnet18.pth.tar";

    /// <summary>SHA-256 of ClinicaDL's weight file.</summary>
    public const string WeightsSha256 = "a97a781be3820b06424fe891ec405c78b87ad51a27b6b81614dbdb996ce60104";

    /// <summary>The output columns.</summary>
    public static readonly IReadOnlyList<string> Columns = ["participant_id", "session_id", "pass_probability", "pass"];

    /// <summary>0.2.1's cache file, <c>~/.cache/clinicadl/models/resnet18.pth.tar</c>.</summary>
    public static string DefaultWeights => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "clinicadl", "models", "resnet18.pth.tar");

    /// <summary>Checks everything, runs the network on every session and writes the table.</summary>
    /// <exception cref="ClinicaDlException">Bad options, missing weights or images, weights that do not fit, or an existing output.</exception>
    public static T1LinearQcResult Run(T1LinearQcOptions options, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        var o = options;
        var warnings = new List<string>();
        if (!o.OutputTsv.EndsWith(".tsv", StringComparison.Ordinal))
            throw new InvalidOptionException("OUTPUT_TSV", "a path to a .tsv file", o.OutputTsv);
        if (!double.IsFinite(o.Threshold))
            throw new InvalidOptionException("--threshold", "a number", o.Threshold.ToString(CultureInfo.InvariantCulture));
        Guard.Positive("--batch_size", o.BatchSize);
        Guard.Positive("-np/--nproc", o.NProc);
        if (!o.UseCpu && !cuda.is_available())
            throw new InvalidOptionException("-cpu/--use_cpu", "no GPU is available. Please add the -cpu flag to run on CPU");
        string weights = o.Weights ?? DefaultWeights;
        if (!File.Exists(weights))
            throw new CheckpointException(weights,
                $"QC network weights not found. quality-check t1-linear needs ClinicaDL's resnet18.pth.tar (SHA-256 {WeightsSha256}), " +
                $"which ClinicaDL 0.2.1 downloads from {WeightsUrl} into ~/.cache/clinicadl/models/; nothing is downloaded here: " +
                $"fetch it on a machine with network access and give it with --weights PATH (or put it at {DefaultWeights}).");

        var caps = new CapsLayout(o.CapsDir);
        if (!Directory.Exists(o.CapsDir))
            throw new CapsLayoutException(o.CapsDir, "CAPS folder not found.");
        var sessions = o.SubjectsSessionsTsv is null ? ScanSessions(caps) : SessionList.Read(o.SubjectsSessionsTsv);
        if (sessions.Count == 0)
            throw new CapsLayoutException(o.CapsDir, "holds no session (subjects/<participant_id>/<session_id>/).");
        foreach (var (p, s) in sessions)
        {
            string path = caps.ImagePath(p, s, cropped: false);
            if (!File.Exists(path))
                throw new CapsLayoutException(path, $"uncropped t1-linear image of {p}/{s} not found; quality-check t1-linear reads the image clinica's t1-linear writes before cropping.");
            NiftiReader.ReadHeader(path);
        }
        LabelOutput.CheckWritable([o.OutputTsv], o.Overwrite);

        var device = o.UseCpu ? CPU : CUDA;
        using var model = new ResNetQc();
        using (NewDisposeScope())
        {
            var state = PyTorchFile.LoadCheckpoint(weights);
            ModelState.LoadStrict(model, ModelState.FromEntry(state, weights, "state dict"), weights);
        }
        if (!string.Equals(Sha256(weights), WeightsSha256, StringComparison.Ordinal))
            warnings.Add($"{weights} is not ClinicaDL's QC model (its SHA-256 differs from {WeightsSha256}): the probabilities are this network's.");
        LibTorchAllocator.ZeroFill(); // oneDNN reads the padding of its blocked buffers: it must hold zeros, not freed garbage
        model.to(device);
        model.eval();

        var rows = new List<QcRow>(sessions.Count);
        using (no_grad())
        {
            for (int start = 0; start < sessions.Count; start += o.BatchSize)
            {
                cancel.ThrowIfCancellationRequested();
                var batch = sessions.Skip(start).Take(o.BatchSize).ToList();
                var inputs = new float[batch.Count][];
                Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = o.NProc, CancellationToken = cancel },
                    b => inputs[b] = QcSlices.From(NiftiReader.Read(caps.ImagePath(batch[b].Participant, batch[b].Session, cropped: false))));
                using var scope = NewDisposeScope();
                var x = tensor(inputs.SelectMany(a => a).ToArray(), [batch.Count, 1, 3, QcSlices.Side, QcSlices.Side]).to(device);
                var probabilities = nn.functional.softmax(model.call(x), 1)[.., 1].cpu().data<float>().ToArray();
                for (int b = 0; b < batch.Count; b++)
                    rows.Add(new QcRow(batch[b].Participant, batch[b].Session, probabilities[b], probabilities[b] > o.Threshold));
                progress?.Report((rows.Count, sessions.Count));
            }
        }
        var sorted = rows.OrderByDescending(r => r.PassProbability).ToList();
        TsvWriter.Write(o.OutputTsv, Columns, sorted.Select(r => (IReadOnlyList<object?>)[r.Participant, r.Session, r.PassProbability, r.Pass]));
        return new T1LinearQcResult(o.OutputTsv, sorted, warnings);
    }

    /// <summary>Every <c>subjects/sub-*/ses-*</c> folder of the CAPS, sorted (0.2.1 lists the CAPS the same way).</summary>
    internal static List<(string Participant, string Session)> ScanSessions(CapsLayout caps)
    {
        string subjects = Path.Combine(caps.Root, "subjects");
        if (!Directory.Exists(subjects))
            throw new CapsLayoutException(subjects, "folder not found; a CAPS holds subjects/<participant_id>/<session_id>/t1_linear/.");
        return Directory.GetDirectories(subjects).Select(d => Path.GetFileName(d)!).Where(BidsLabel.IsParticipantId).Order(StringComparer.Ordinal)
            .SelectMany(p => Directory.GetDirectories(Path.Combine(subjects, p)).Select(d => Path.GetFileName(d)!)
                .Where(BidsLabel.IsSessionId).Order(StringComparer.Ordinal).Select(s => (p, s)))
            .ToList();
    }

    internal static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
