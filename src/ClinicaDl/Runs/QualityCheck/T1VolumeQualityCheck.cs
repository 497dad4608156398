using System.Globalization;
using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Runs.TsvTool;

namespace ClinicaDl.Runs.QualityCheck;

/// <summary>Options of <c>clinicadl quality-check t1-volume CAPS_DIR OUTPUT_DIR GROUP_LABEL</c> (verbs spec §7.2).</summary>
/// <param name="CapsDir">CAPS with clinica's t1-volume outputs: grey-matter maps and the group's DARTEL template.</param>
/// <param name="OutputDir">Where <c>QC_metrics.tsv</c> and <c>pass_step-{1,2,3}.tsv</c> are written.</param>
/// <param name="GroupLabel">The clinica group whose template is used.</param>
/// <param name="EyesSegmentation"><c>--eyes_segmentation</c>: the eyes mask (default: 0.2.1's cache path).</param>
/// <param name="FrontalSimilarityThreshold"><c>--frontal_similarity_threshold</c>: step 3 keeps sessions above it (0.2.1's code: 0.10; its docs say 0.40, V26).</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace existing result files.</param>
public sealed record T1VolumeQcOptions(
    string CapsDir,
    string OutputDir,
    string GroupLabel,
    string? EyesSegmentation = null,
    double FrontalSimilarityThreshold = 0.10,
    bool Overwrite = false);

/// <summary>The metrics of one session.</summary>
/// <param name="Participant">participant_id.</param>
/// <param name="Session">session_id.</param>
/// <param name="MaxIntensity">Largest grey-matter probability.</param>
/// <param name="NonZeroFraction">Fraction of non-zero voxels (0.2.1 names it <c>non_zero_percentage</c>).</param>
/// <param name="FrontalSimilarity">Normalised mutual information between the template and the map, both inside the eyes mask.</param>
public sealed record T1VolumeQcRow(string Participant, string Session, double MaxIntensity, double NonZeroFraction, double FrontalSimilarity);

/// <summary>What the quality check wrote: every session's metrics (sorted as in <c>QC_metrics.tsv</c>) and the files.</summary>
public sealed record T1VolumeQcResult(IReadOnlyList<T1VolumeQcRow> Rows, IReadOnlyList<int> RemovedPerStep, IReadOnlyList<string> Files, IReadOnlyList<string> Warnings);

/// <summary><c>clinicadl quality-check t1-volume</c>: three successive filters on each grey-matter map of clinica's t1-volume
/// pipeline (largest value, fraction of non-zero voxels, similarity of the frontal region with the group's DARTEL template).</summary>
/// <remarks>
/// As 0.2.1 (verbs spec §7.2): the template is summed over its 4th axis (one volume per tissue) and multiplied by the eyes
/// mask; a session is measured when its map <c>t1/spm/segmentation/normalized_space/&lt;p&gt;_&lt;s&gt;_T1w_segm-graymatter_space-Ixi549Space_modulated-off_probability.nii.gz</c>
/// exists; the similarity is <c>NMI(A, B) = 2·MI(A, B) / (MI(A, A) + MI(B, B))</c> on numpy's 10×10-bin <c>histogram2d</c>.
/// <c>QC_metrics.tsv</c> is sorted by <c>max_intensity</c>, then <c>pass_step-1.tsv</c> keeps <c>max_intensity &gt; 0.95</c>,
/// <c>pass_step-2.tsv</c> also <c>0.15 &lt; non_zero_percentage &lt; 0.5</c>, <c>pass_step-3.tsv</c> also
/// <c>frontal_similarity &gt;</c> the threshold. Differences (docs/coming-from-clinicadl.md): nothing is downloaded (the
/// eyes mask is a local file, checked against ClinicaDL's SHA-256 with a warning when it differs); every input is checked
/// before anything is written; existing results are kept unless <c>--overwrite</c>; the step files hold the values
/// themselves, not values re-parsed by pandas (V27); the threshold of step 3 is an option (V26); sessions are visited
/// in sorted order (0.2.1: file-system order, which only matters for ties in <c>max_intensity</c>).
/// </remarks>
public static class T1VolumeQualityCheck
{
    /// <summary>Where ClinicaDL 0.2.1 downloads the eyes mask from.</summary>
    public const string EyesUrl = "https://aramislab.paris.inria.fr/files/data/template/eyes_segmentation.nii.gz";

    /// <summary>SHA-256 of ClinicaDL's eyes mask.</summary>
    public const string EyesSha256 = "56f699c06cafc62ad8bb5b41b188c7c412d684d810a11d6f4cbb441c0ce944ee";

    /// <summary>The columns of every result file.</summary>
    public static readonly IReadOnlyList<string> Columns = ["participant_id", "session_id", "max_intensity", "non_zero_percentage", "frontal_similarity"];

    /// <summary>The result files, in the order they are written.</summary>
    public static readonly IReadOnlyList<string> FileNames = ["QC_metrics.tsv", "pass_step-1.tsv", "pass_step-2.tsv", "pass_step-3.tsv"];

    /// <summary>0.2.1's cache file, <c>~/.cache/clinicadl/segmentation/eyes_segmentation.nii.gz</c>.</summary>
    public static string DefaultEyesSegmentation => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "clinicadl", "segmentation", "eyes_segmentation.nii.gz");

    /// <summary>The group's DARTEL template in <paramref name="caps"/>.</summary>
    public static string TemplatePath(string caps, string group) => Path.Combine(caps, "groups", $"group-{group}", "t1", $"group-{group}_template.nii.gz");

    /// <summary>The grey-matter map of a session.</summary>
    public static string GreyMatterPath(string caps, string participant, string session) => Path.Combine(caps, "subjects", participant, session, "t1", "spm", "segmentation", "normalized_space",
        $"{participant}_{session}_T1w_segm-graymatter_space-Ixi549Space_modulated-off_probability.nii.gz");

    /// <summary>Checks every input, measures every session and writes the four tables.</summary>
    /// <exception cref="ClinicaDlException">A bad option, a missing or malformed input, images on different grids, or existing results.</exception>
    public static T1VolumeQcResult Run(T1VolumeQcOptions options, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        var o = options;
        var warnings = new List<string>();
        if (!BidsLabel.IsLabel(o.GroupLabel))
            throw new InvalidOptionException("GROUP_LABEL", "a clinica group label of letters and digits", o.GroupLabel);
        if (!double.IsFinite(o.FrontalSimilarityThreshold))
            throw new InvalidOptionException("--frontal_similarity_threshold", "a number", o.FrontalSimilarityThreshold.ToString(CultureInfo.InvariantCulture));
        if (!Directory.Exists(o.CapsDir))
            throw new CapsLayoutException(o.CapsDir, "CAPS folder not found.");
        string eyesPath = o.EyesSegmentation ?? DefaultEyesSegmentation;
        if (!File.Exists(eyesPath))
            throw new CapsLayoutException(eyesPath,
                $"eyes segmentation not found. quality-check t1-volume needs ClinicaDL's eyes_segmentation.nii.gz (SHA-256 {EyesSha256}), which ClinicaDL 0.2.1 " +
                $"downloads from {EyesUrl} into ~/.cache/clinicadl/segmentation/; nothing is downloaded here: fetch it on a machine with network access and " +
                $"give it with --eyes_segmentation PATH (or put it at {DefaultEyesSegmentation}).");
        string templatePath = TemplatePath(o.CapsDir, o.GroupLabel);
        if (!File.Exists(templatePath))
            throw new CapsLayoutException(templatePath, $"DARTEL template of group {o.GroupLabel} not found; it is written by clinica's t1-volume pipelines (clinica run t1-volume … {o.GroupLabel}).");

        var caps = new CapsLayout(o.CapsDir);
        var sessions = T1LinearQualityCheck.ScanSessions(caps)
            .Where(s => File.Exists(GreyMatterPath(o.CapsDir, s.Participant, s.Session))).ToList();
        if (sessions.Count == 0)
            throw new CapsLayoutException(o.CapsDir, "holds no grey-matter map (subjects/<participant_id>/<session_id>/t1/spm/segmentation/normalized_space/…_T1w_segm-graymatter_space-Ixi549Space_modulated-off_probability.nii.gz).");

        // Every header before any image body: a wrong grid or a malformed file is found before anything is written.
        var template = NiftiReader.ReadVolumes(templatePath);
        var eyes = NiftiReader.Read(eyesPath);
        CheckGrid(eyesPath, eyes.Shape, templatePath, template.Shape);
        foreach (var (p, s) in sessions)
        {
            string path = GreyMatterPath(o.CapsDir, p, s);
            CheckGrid(path, NiftiReader.ReadHeader(path).SpatialShape, templatePath, template.Shape);
        }
        var files = FileNames.Select(f => Path.Combine(o.OutputDir, f)).ToList();
        LabelOutput.CheckWritable(files, o.Overwrite);
        if (!string.Equals(T1LinearQualityCheck.Sha256(eyesPath), EyesSha256, StringComparison.Ordinal))
            warnings.Add($"{eyesPath} is not ClinicaDL's eyes segmentation (its SHA-256 differs from {EyesSha256}): frontal_similarity is measured inside this mask.");

        int voxels = eyes.Data.Length;
        var eyesMask = new double[voxels];
        var maskedTemplate = new double[voxels];
        for (int v = 0; v < voxels; v++)
        {
            double sum = 0;
            for (int t = 0; t < template.Volumes; t++) sum += template.Data[v + (long)t * voxels];
            eyesMask[v] = eyes.Data[v];
            maskedTemplate[v] = sum * eyes.Data[v];
        }
        double templateEntropy = MutualInformation(maskedTemplate, maskedTemplate);

        var rows = new List<T1VolumeQcRow>(sessions.Count);
        var masked = new double[voxels];
        foreach (var (p, s) in sessions)
        {
            cancel.ThrowIfCancellationRequested();
            var map = NiftiReader.Read(GreyMatterPath(o.CapsDir, p, s)).Data;
            double max = double.NegativeInfinity;
            long nonZero = 0;
            for (int v = 0; v < voxels; v++)
            {
                double value = map[v];
                if (value > max) max = value;
                if (value != 0) nonZero++;
                masked[v] = value * eyesMask[v];
            }
            double similarity = 2 * MutualInformation(maskedTemplate, masked) / (templateEntropy + MutualInformation(masked, masked));
            rows.Add(new T1VolumeQcRow(p, s, max, (double)nonZero / voxels, similarity));
            progress?.Report((rows.Count, sessions.Count));
        }

        var sorted = rows.OrderBy(r => r.MaxIntensity).ToList(); // stable, as pandas' default sort of one column
        var step1 = sorted.Where(r => r.MaxIntensity > 0.95).ToList();
        var step2 = step1.Where(r => r.NonZeroFraction > 0.15 && r.NonZeroFraction < 0.5).ToList();
        var step3 = step2.Where(r => r.FrontalSimilarity > o.FrontalSimilarityThreshold).ToList();
        Directory.CreateDirectory(o.OutputDir);
        var tables = new[] { sorted, step1, step2, step3 };
        for (int i = 0; i < files.Count; i++)
            TsvWriter.Write(files[i], Columns, tables[i].Select(r => (IReadOnlyList<object?>)[r.Participant, r.Session, r.MaxIntensity, r.NonZeroFraction, r.FrontalSimilarity]));
        return new T1VolumeQcResult(sorted, [sorted.Count - step1.Count, step1.Count - step2.Count, step2.Count - step3.Count], files, warnings);
    }

    private static void CheckGrid(string path, int[] shape, string templatePath, int[] templateShape)
    {
        if (!shape.SequenceEqual(templateShape))
            throw new CapsLayoutException(path, $"is {string.Join("×", shape)}; the DARTEL template {templatePath} is {string.Join("×", templateShape)}.",
                "quality-check t1-volume compares images voxel by voxel: every grey-matter map and the eyes segmentation must be on the template's grid (Ixi549Space).");
    }

    /// <summary>Mutual information (natural log) of <paramref name="a"/> and <paramref name="b"/> from numpy's <c>histogram2d(a, b)</c> with 10×10 bins.</summary>
    /// <remarks><c>MI = Σ_{p &gt; 0} p·ln(p / (p_a·p_b))</c>; <c>MI(a, a)</c> is the 10-bin entropy of <paramref name="a"/>.</remarks>
    public static double MutualInformation(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        const int bins = 10;
        var counts = new long[bins, bins];
        var edgesA = Edges(a, bins);
        var edgesB = Edges(b, bins);
        for (int i = 0; i < a.Count; i++)
        {
            int x = Bin(edgesA, a[i]), y = Bin(edgesB, b[i]);
            if (x >= 0 && y >= 0) counts[x, y]++;
        }
        double total = 0;
        foreach (long c in counts) total += c;
        var pa = new double[bins];
        var pb = new double[bins];
        for (int x = 0; x < bins; x++)
            for (int y = 0; y < bins; y++)
            {
                pa[x] += counts[x, y] / total;
                pb[y] += counts[x, y] / total;
            }
        double mi = 0;
        for (int x = 0; x < bins; x++)
            for (int y = 0; y < bins; y++)
            {
                double pxy = counts[x, y] / total;
                if (pxy > 0) mi += pxy * Math.Log(pxy / (pa[x] * pb[y]));
            }
        return mi;
    }

    /// <summary>numpy's equal-width bin edges over [min, max] (widened by ±0.5 when the values are all equal), as <c>linspace</c> computes them.</summary>
    private static double[] Edges(IReadOnlyList<double> values, int bins)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        if (lo == hi)
        {
            lo -= 0.5;
            hi += 0.5;
        }
        var edges = new double[bins + 1];
        double step = (hi - lo) / bins;
        for (int i = 0; i <= bins; i++) edges[i] = i * step + lo;
        edges[bins] = hi;
        return edges;
    }

    /// <summary>numpy's bin of <paramref name="value"/>: the last edge ≤ it (searchsorted right), the last bin closed; −1 outside.</summary>
    private static int Bin(double[] edges, double value)
    {
        int bins = edges.Length - 1;
        if (value < edges[0] || value > edges[bins]) return -1;
        if (value == edges[bins]) return bins - 1;
        int lo = 0, hi = edges.Length; // first index whose edge > value
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (edges[mid] > value) hi = mid;
            else lo = mid + 1;
        }
        return lo - 1;
    }
}
