using System.Globalization;
using ClinicaDl.Common;
using ClinicaDl.Errors;
using ClinicaDl.Outputs;
using ClinicaDl.Tsv;
using static TorchSharp.torch;

namespace ClinicaDl.Generate;

/// <summary>Options of <c>clinicadl generate shepplogan OUTPUT_DIR</c> (verbs spec §6.1).</summary>
/// <param name="OutputDir">Folder of the data set (created; other content is kept).</param>
/// <param name="NSubjects"><c>--n_subjects</c>: phantoms per label (2n are written).</param>
/// <param name="ImageSize"><c>--image_size</c>: side of the square images, in pixels.</param>
/// <param name="CnSubtypes"><c>-Csd/--CN_subtypes_distribution</c>: probabilities of subtypes 0, 1, 2 for CN.</param>
/// <param name="AdSubtypes"><c>-Asd/--AD_subtypes_distribution</c>: probabilities of subtypes 0, 1, 2 for AD.</param>
/// <param name="Smoothing"><c>--smoothing</c>: blur each phantom with a random Gaussian.</param>
/// <param name="Seed"><c>--seed</c>: seed of the subtypes and the phantoms.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace a data set written earlier in <paramref name="OutputDir"/>.</param>
public sealed record SheppLoganOptions(
    string OutputDir,
    int NSubjects = 300,
    int ImageSize = 128,
    IReadOnlyList<double>? CnSubtypes = null,
    IReadOnlyList<double>? AdSubtypes = null,
    bool Smoothing = false,
    long Seed = 0,
    bool Overwrite = false)
{
    /// <summary>0.2.1's default CN subtype distribution.</summary>
    public static readonly IReadOnlyList<double> DefaultCn = [1.0, 0.0, 0.0];

    /// <summary>0.2.1's default AD subtype distribution.</summary>
    public static readonly IReadOnlyList<double> DefaultAd = [0.05, 0.85, 0.10];
}

/// <summary>What <c>generate shepplogan</c> wrote.</summary>
public sealed record SheppLoganResult(string OutputDir, int Images, string LabelsFolder);

/// <summary><c>clinicadl generate shepplogan</c>: 2-D phantoms labelled AD or CN by the size of two regions, with 0.2.1's files.</summary>
/// <remarks>
/// Writes, as 0.2.1: <c>subjects/&lt;participant&gt;_ses-M00_phantom-SheppLogan.pt</c> (float32 tensors (1, S, S), flat,
/// the path 0.2.1's image mode reads for <c>preprocessing shepplogan</c>), <c>data.tsv</c> (participant_id, session_id,
/// diagnosis, subtype; AD rows first), <c>missing_mods/missing_mods_ses-M00.tsv</c> (t1w = 1) and <c>commandline.json</c>;
/// participants <c>sub-CLNC0&lt;jjjj&gt;</c> (AD) and <c>sub-CLNC1&lt;jjjj&gt;</c> (CN). Also, as <c>generate trivial</c> does,
/// <c>labels/AD.tsv</c> and <c>labels/CN.tsv</c> ready for <c>tsvtool split|kfold</c>. Differences
/// (docs/coming-from-clinicadl.md): seeded; an existing data set is refused unless <c>--overwrite</c> (0.2.1 deletes
/// <c>subjects/</c> silently); subtype distributions are checked up front.
/// </remarks>
public static class SheppLoganDataset
{
    /// <summary>Checks the options, then writes the data set.</summary>
    /// <exception cref="ClinicaDlException">Bad options or an output folder that already holds a data set.</exception>
    public static SheppLoganResult Run(SheppLoganOptions options, IProgress<GenerateProgress>? progress = null, CancellationToken cancel = default)
    {
        Guard.Positive("--n_subjects", options.NSubjects);
        Guard.Positive("--image_size", options.ImageSize);
        if (options.NSubjects > 10_000)
            throw new InvalidOptionException("--n_subjects", "at most 10000 (participant ids have four digits)", options.NSubjects.ToString(CultureInfo.InvariantCulture));
        var ad = CheckDistribution("--AD_subtypes_distribution", options.AdSubtypes ?? SheppLoganOptions.DefaultAd);
        var cn = CheckDistribution("--CN_subtypes_distribution", options.CnSubtypes ?? SheppLoganOptions.DefaultCn);
        if (File.Exists(options.OutputDir))
            throw new OutputFolderException(options.OutputDir, "is a file; OUTPUT_DIR must be a folder.");
        string[] ours = ["subjects", "labels", "missing_mods", "data.tsv", "commandline.json"];
        var existing = ours.Select(n => Path.Combine(options.OutputDir, n)).Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        if (existing.Count > 0 && !options.Overwrite)
            throw new OutputFolderException(options.OutputDir, $"already holds a data set ({Path.GetFileName(existing[0])}).",
                "Add --overwrite to replace it, or choose another OUTPUT_DIR.");
        foreach (var path in existing)
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }

        var json = new List<KeyValuePair<string, object?>>
        {
            new("img_size", options.ImageSize),
            new("labels_distribution", new List<KeyValuePair<string, object?>> { new("AD", ad.ToList()), new("CN", cn.ToList()) }),
            new("samples", options.NSubjects),
            new("smoothing", options.Smoothing),
            new("seed", options.Seed),
        };
        Directory.CreateDirectory(Path.Combine(options.OutputDir, "subjects"));
        AtomicFile.WriteAllText(Path.Combine(options.OutputDir, "commandline.json"), PythonJson.Format(json));

        var rows = new List<IReadOnlyList<object?>>();
        int total = 2 * options.NSubjects, written = 0;
        foreach (var (label, index, distribution) in new[] { ("AD", 0, ad), ("CN", 1, cn) })
        {
            var subtypes = new RandomSource(options.Seed, "shepplogan/subtypes/" + label);
            for (int j = 0; j < options.NSubjects; j++)
            {
                cancel.ThrowIfCancellationRequested();
                string participant = string.Create(CultureInfo.InvariantCulture, $"sub-CLNC{index}{j:0000}");
                int subtype = Choose(distribution, subtypes.NextDouble());
                double[] image = SheppLoganPhantom.Draw(options.ImageSize, subtype, options.Smoothing,
                    new RandomSource(options.Seed, $"shepplogan/{participant}"));
                using (NewDisposeScope())
                {
                    var phantom = tensor(image.Select(v => (float)v).ToArray(), [1, options.ImageSize, options.ImageSize]);
                    PyTorchFile.SaveTensor(Path.Combine(options.OutputDir, "subjects", $"{participant}_ses-M00_phantom-SheppLogan.pt"), phantom);
                }
                rows.Add([participant, "ses-M00", label, subtype]);
                progress?.Report(new GenerateProgress(++written, total, participant));
            }
        }
        string[] columns = ["participant_id", "session_id", "diagnosis", "subtype"];
        TsvWriter.Write(Path.Combine(options.OutputDir, "data.tsv"), columns, rows);
        foreach (string label in new[] { "AD", "CN" })
            TsvWriter.Write(Path.Combine(options.OutputDir, "labels", label + ".tsv"), columns, rows.Where(r => (string)r[2]! == label));
        TsvWriter.Write(Path.Combine(options.OutputDir, "missing_mods", "missing_mods_ses-M00.tsv"), ["participant_id", "t1w"],
            rows.Select(r => (IReadOnlyList<object?>)[r[0], 1]));
        return new SheppLoganResult(options.OutputDir, total, Path.Combine(options.OutputDir, "labels"));
    }

    /// <summary>The subtype whose cumulative probability first exceeds <paramref name="u"/> (numpy's <c>choice</c> with <c>p</c>).</summary>
    internal static int Choose(IReadOnlyList<double> p, double u)
    {
        double total = p.Sum(), cumulative = 0;
        for (int i = 0; i < p.Count; i++)
        {
            cumulative += p[i] / total;
            if (u < cumulative) return i;
        }
        for (int i = p.Count - 1; i >= 0; i--)
            if (p[i] > 0) return i;
        return 0;
    }

    private static IReadOnlyList<double> CheckDistribution(string option, IReadOnlyList<double> p)
    {
        string text = string.Join(" ", p.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        if (p.Count is < 1 or > SheppLoganPhantom.Subtypes || p.Any(v => !double.IsFinite(v) || v < 0) || Math.Abs(p.Sum() - 1) > 1e-8)
            throw new InvalidOptionException(option, "1 to 3 probabilities (subtypes 0, 1, 2) that are ≥ 0 and sum to 1", text);
        return p;
    }
}
