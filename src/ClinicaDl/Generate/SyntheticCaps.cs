using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Errors;
using ClinicaDl.Nifti;
using ClinicaDl.Outputs;
using ClinicaDl.Tsv;

namespace ClinicaDl.Generate;

/// <summary>Writes a synthetic t1-linear CAPS with its label files (<c>clinicadl generate trivial|random</c>, spec §8).</summary>
/// <remarks>
/// With <c>--caps_dir</c> the images come from that CAPS as ClinicaDL does. Without it, each source subject is
/// a <see cref="BrainPhantom"/> drawn from the seed, so a new user needs nothing else. Beyond ClinicaDL's
/// files (<c>data.tsv</c>, <c>missing_mods/</c>, <c>commandline.json</c>) it writes the label files that
/// <c>tsvtool getlabels</c> would give (<c>labels/AD.tsv</c>, <c>labels/CN.tsv</c>), and for <c>trivial</c>
/// the masks it used plus two hippocampus boxes matching the default ROIs, under the CAPS mask names of
/// spec §2.3, so <c>--roi_list</c> works on the result. Everything is deterministic for a given seed.
/// </remarks>
public static class SyntheticCaps
{
    /// <summary>ROI names of the hippocampus boxes written by <c>trivial</c> (ClinicaDL 1.x names; same voxels as the default cubes 0 and 1).</summary>
    public static readonly IReadOnlyList<string> HippocampusBoxes = ["rightHippocampusBox", "leftHippocampusBox"];

    /// <summary>Checks the options, then writes the data set.</summary>
    /// <exception cref="ClinicaDlException">Bad options, a bad source CAPS or mask, or an output folder that already holds a data set.</exception>
    public static GenerateResult Run(GenerateOptions options, IProgress<GenerateProgress>? progress = null, CancellationToken cancel = default)
    {
        Validate(options);
        var sources = ListSources(options);
        var masks = options.Mode == GenerateMode.Trivial ? LoadAtrophyMasks(options) : null;
        CheckSources(options, sources);
        var kept = PrepareOutput(options);

        var layout = new CapsLayout(options.OutputDir);
        string prefix = options.Mode == GenerateMode.Trivial ? "sub-TRIV" : "sub-RAND";
        int total = 2 * options.NSubjects;
        var participants = Enumerable.Range(0, total).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var diagnoses = new string[total];
        int written = 0;

        // One work item per source image: trivial writes its AD and CN versions, random writes every noisy copy of one image in turn.
        var items = options.Mode == GenerateMode.Trivial
            ? Enumerable.Range(0, options.NSubjects).Select(m => (Source: m, Outputs: new[] { 2 * m, 2 * m + 1 })).ToList()
            : Enumerable.Range(0, total).Select(i => (Source: 0, Outputs: new[] { i })).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Workers), CancellationToken = cancel };
        // Random mode has a single source image: load (or draw) it once for every copy.
        var shared = options.Mode == GenerateMode.Random ? LoadSource(options, sources, 0) : default;
        Parallel.ForEach(items, parallel, item =>
        {
            var (data, affine) = shared.Data is not null ? shared : LoadSource(options, sources, item.Source);
            foreach (int i in item.Outputs)
            {
                float[] image;
                if (options.Mode == GenerateMode.Trivial)
                {
                    int label = i % 2;
                    diagnoses[i] = label == 0 ? "AD" : "CN";
                    image = Atrophy(data, masks![label], options.AtrophyPercent, new RandomSource(options.Seed, $"atrophy/{i}"));
                }
                else
                {
                    diagnoses[i] = i < options.NSubjects ? "AD" : "CN";
                    image = AddNoise(data, options.Mean, options.Sigma, new RandomSource(options.Seed, $"noise/{i}"));
                }
                string path = layout.ImagePath(participants[i], "ses-M00");
                NiftiWriter.Write(path, new NiftiImage(BrainPhantom.Shape, image, affine), NiftiDataType.Float32);
                int done = Interlocked.Increment(ref written);
                progress?.Report(new GenerateProgress(done, total, participants[i]));
            }
        });

        // The masks are on the grid of the images: the source CAPS's affine when there is one, else the phantom's.
        var maskAffine = options.CapsDir is null ? new Affine(BrainPhantom.Affine) : NiftiReader.ReadHeader(new CapsLayout(options.CapsDir).ImagePath(sources[0].Participant, sources[0].Session)).Affine;
        var maskNames = options.Mode == GenerateMode.Trivial ? WriteMasks(options, layout, masks!, maskAffine) : [];
        WriteTables(options, participants, diagnoses, sources);
        return new GenerateResult(options.OutputDir, participants, Path.Combine(options.OutputDir, "labels"), maskNames) { KeptFiles = kept };
    }

    private static void Validate(GenerateOptions o)
    {
        Guard.Positive("--n_subjects", o.NSubjects);
        if (o.Preprocessing != CapsLayout.T1Linear)
            throw new InvalidOptionException("--preprocessing", CapsLayout.T1Linear, o.Preprocessing);
        if (o.Mode == GenerateMode.Trivial)
            Guard.InRange("--atrophy_percent", o.AtrophyPercent, 0, 100, maxExclusive: true);
        else
        {
            if (!double.IsFinite(o.Mean))
                throw new InvalidOptionException("--mean", "a finite number", o.Mean.ToString("R", CultureInfo.InvariantCulture));
            Guard.NonNegative("--sigma", o.Sigma);
        }
        if (o.CapsDir is not null && !Directory.Exists(o.CapsDir))
            throw new CapsLayoutException(o.CapsDir, "CAPS folder not found.");
        if (o.SubjectsSessionsTsv is not null && o.CapsDir is null)
            throw new InvalidOptionException("--subjects_sessions_tsv", "only works together with --caps_dir");
        if (o.MaskPath is not null && !Directory.Exists(o.MaskPath))
            throw new InvalidOptionException("--mask_path", "a folder holding mask-1.nii[.gz] and mask-2.nii[.gz]", o.MaskPath);
        if (File.Exists(o.OutputDir))
            throw new OutputFolderException(o.OutputDir, "is a file; OUTPUT_DIR must be a folder.");
        // --overwrite must never delete what the run reads: OUTPUT_DIR may neither be, hold, nor lie inside an input.
        FolderOverlap.Refuse(o.OutputDir, "--caps_dir", o.CapsDir);
        FolderOverlap.Refuse(o.OutputDir, "--mask_path", o.MaskPath);
        FolderOverlap.Refuse(o.OutputDir, "--subjects_sessions_tsv", o.SubjectsSessionsTsv);
    }

    /// <summary>The source sessions: from the TSV or the CAPS, trivial keeping each subject's baseline session.</summary>
    private static IReadOnlyList<(string Participant, string Session)> ListSources(GenerateOptions o)
    {
        if (o.CapsDir is null)
            return [];
        var sessions = SessionList.Resolve(new CapsLayout(o.CapsDir), o.SubjectsSessionsTsv);
        if (o.Mode == GenerateMode.Random)
            return [sessions[0]];

        var baseline = sessions.GroupBy(x => x.Item1)
            .Select(g => g.OrderBy(x => BidsLabel.SessionMonth(x.Item2) ?? int.MaxValue).ThenBy(x => x.Item2, StringComparer.Ordinal).First())
            .ToList();
        if (o.NSubjects > baseline.Count)
            throw new InvalidOptionException("--n_subjects",
                $"at most the number of subjects of the source CAPS ({baseline.Count})", o.NSubjects.ToString(CultureInfo.InvariantCulture));
        return baseline;
    }

    /// <summary>Every source image is checked (readable, complete, on the cropped grid) before OUTPUT_DIR is touched.</summary>
    private static void CheckSources(GenerateOptions o, IReadOnlyList<(string Participant, string Session)> sources)
    {
        if (o.CapsDir is null) return;
        var caps = new CapsLayout(o.CapsDir);
        int needed = o.Mode == GenerateMode.Random ? 1 : o.NSubjects;
        foreach (var (p, s) in sources.Take(needed))
        {
            string path = caps.ImagePath(p, s);
            if (!File.Exists(path))
                throw new CapsLayoutException(path, $"image of {p}/{s} not found (generate reads the NIfTI image, not a tensor).");
            NiftiHeader header;
            try
            {
                header = NiftiReader.Verify(path);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                throw new CapsLayoutException(path, $"image of {p}/{s} cannot be read ({e.Message}).");
            }
            if (!header.SpatialShape.SequenceEqual(CapsLayout.CroppedShape))
                throw new CapsLayoutException(path, $"image is {string.Join("×", header.SpatialShape)}; the cropped t1-linear grid is 169×208×179.");
        }
    }

    private static (float[] Data, Affine Affine) LoadSource(GenerateOptions o, IReadOnlyList<(string Participant, string Session)> sources, int index)
    {
        if (o.CapsDir is null)
        {
            var rng = new RandomSource(o.Seed, $"phantom/{index}");
            var anatomy = PhantomAnatomy.Draw(rng);
            return (BrainPhantom.Image(anatomy, rng), new Affine(BrainPhantom.Affine));
        }
        var (p, s) = sources[index];
        string path = new CapsLayout(o.CapsDir).ImagePath(p, s);
        var image = NiftiReader.Read(path);
        if (!image.Shape.SequenceEqual(CapsLayout.CroppedShape))
            throw new CapsLayoutException(path, $"image is {string.Join("×", image.Shape)}; the cropped t1-linear grid is 169×208×179.");
        return (image.Data, image.Affine);
    }

    /// <summary>The two atrophy masks: <c>[0]</c> for AD (mask-1), <c>[1]</c> for CN (mask-2).</summary>
    private static byte[][] LoadAtrophyMasks(GenerateOptions o)
    {
        if (o.MaskPath is null)
            return [BrainPhantom.HemisphereGreyMatterMask(left: true), BrainPhantom.HemisphereGreyMatterMask(left: false)];
        var result = new byte[2][];
        for (int m = 0; m < 2; m++)
        {
            string stem = Path.Combine(o.MaskPath, $"mask-{m + 1}");
            string path = File.Exists(stem + ".nii") ? stem + ".nii" : stem + ".nii.gz";
            if (!File.Exists(path))
                throw new InvalidOptionException("--mask_path", $"a folder holding mask-{m + 1}.nii or mask-{m + 1}.nii.gz", o.MaskPath);
            var mask = NiftiReader.Read(path);
            if (!mask.Shape.SequenceEqual(CapsLayout.CroppedShape))
                throw new CapsLayoutException(path, $"mask is {string.Join("×", mask.Shape)}; the cropped t1-linear grid is 169×208×179.");
            result[m] = mask.Data.Select(v => v != 0 ? (byte)1 : (byte)0).ToArray();
        }
        return result;
    }

    /// <summary>Spec §8.3: in V = {mask ≠ 0, image ≠ 0}, value × (1 − s/100) with s = 10·(g + |min g|) + atrophy, g ~ N(0, 0.1).</summary>
    internal static float[] Atrophy(float[] image, byte[] mask, double atrophyPercent, RandomSource rng)
    {
        var result = (float[])image.Clone();
        var g = new List<(int Index, double Value)>();
        double min = double.PositiveInfinity;
        for (int v = 0; v < image.Length; v++)
        {
            if (mask[v] == 0 || image[v] == 0) continue;
            double gv = 0.1 * rng.NextGaussian();
            g.Add((v, gv));
            min = Math.Min(min, gv);
        }
        foreach (var (v, gv) in g)
        {
            double s = 10 * (gv + Math.Abs(min)) + atrophyPercent;
            result[v] = (float)(image[v] * (1 - s / 100));
        }
        return result;
    }

    /// <summary>Spec §8.2: image + i.i.d. N(mean, sigma) per voxel.</summary>
    internal static float[] AddNoise(float[] image, double mean, double sigma, RandomSource rng)
    {
        var result = new float[image.Length];
        for (int v = 0; v < image.Length; v++)
            result[v] = (float)(image[v] + mean + sigma * rng.NextGaussian());
        return result;
    }

    /// <summary>Refuses an earlier data set without --overwrite; with it, deletes only the files generate wrote (<see cref="GeneratedFiles"/>).</summary>
    /// <returns>The files of OUTPUT_DIR that generate did not write, kept.</returns>
    private static IReadOnlyList<string> PrepareOutput(GenerateOptions o)
    {
        var existing = GeneratedFiles.TopLevel.Select(n => Path.Combine(o.OutputDir, n)).Where(p => File.Exists(p) || Directory.Exists(p)).ToList();
        IReadOnlyList<string> kept = [];
        if (existing.Count > 0)
        {
            if (!o.Overwrite)
                throw new OutputFolderException(o.OutputDir, $"already holds a data set ({Path.GetFileName(existing[0])}).",
                    "Add --overwrite to replace it, or choose another OUTPUT_DIR.");
            try
            {
                kept = GeneratedFiles.DeleteEarlier(o.OutputDir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new OutputFolderException(o.OutputDir, $"the earlier data set cannot be deleted ({e.Message}).");
            }
        }
        try
        {
            Directory.CreateDirectory(o.OutputDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputFolderException(o.OutputDir, $"cannot be created ({e.Message}).");
        }
        return kept;
    }

    private static IReadOnlyList<string> WriteMasks(GenerateOptions o, CapsLayout layout, byte[][] atrophyMasks, Affine affine)
    {
        string[] atrophyNames = o.MaskPath is null ? ["leftHemisphere", "rightHemisphere"] : ["mask1", "mask2"];
        var names = new List<string>();
        for (int m = 0; m < 2; m++)
        {
            WriteMask(layout.MaskPath(atrophyNames[m]), atrophyMasks[m], affine);
            names.Add(atrophyNames[m]);
        }
        foreach (var (name, centre) in HippocampusBoxes.Zip(new[] { new[] { 109, 96, 68 }, new[] { 61, 96, 68 } }))
        {
            WriteMask(layout.MaskPath(name), BrainPhantom.BoxMask(centre.Select(c => c - 25).ToArray(), centre.Select(c => c + 25).ToArray()), affine);
            names.Add(name);
        }
        return names;
    }

    private static void WriteMask(string path, byte[] mask, Affine affine)
        => NiftiWriter.Write(path, new NiftiImage(BrainPhantom.Shape, mask.Select(b => (float)b).ToArray(), affine), NiftiDataType.UInt8);

    private static void WriteTables(GenerateOptions o, IReadOnlyList<string> participants, IReadOnlyList<string> diagnoses,
        IReadOnlyList<(string Participant, string Session)> sources)
    {
        string[] columns = ["participant_id", "session_id", "diagnosis", "age_bl", "sex"];
        IReadOnlyList<object?> Row(int i) => [participants[i], "ses-M00", diagnoses[i], 60, "F"];
        var all = Enumerable.Range(0, participants.Count).ToList();
        TsvWriter.Write(Path.Combine(o.OutputDir, "data.tsv"), columns, all.Select(Row));
        foreach (string diagnosis in new[] { "AD", "CN" })
            TsvWriter.Write(Path.Combine(o.OutputDir, "labels", diagnosis + ".tsv"), columns, all.Where(i => diagnoses[i] == diagnosis).Select(Row));
        TsvWriter.Write(Path.Combine(o.OutputDir, "missing_mods", "missing_mods_ses-M00.tsv"), ["participant_id", "synthetic"],
            participants.Select(p => (IReadOnlyList<object?>)[p, 1]));
        if (o.CapsDir is not null && o.SubjectsSessionsTsv is null)
            TsvWriter.Write(Path.Combine(o.OutputDir, "subjects_sessions_list.tsv"), ["participant_id", "session_id"],
                sources.Select(x => (IReadOnlyList<object?>)[x.Participant, x.Session]));

        var json = new JsonObject
        {
            ["caps_dir"] = o.CapsDir,
            ["preprocessing"] = o.Preprocessing,
            ["n_subjects"] = o.NSubjects,
        };
        if (o.Mode == GenerateMode.Trivial)
        {
            json["mask_path"] = o.MaskPath;
            json["atrophy_percent"] = o.AtrophyPercent;
        }
        else
        {
            json["mean"] = o.Mean;
            json["sigma"] = o.Sigma;
        }
        json["seed"] = o.Seed;
        AtomicFile.WriteAllText(Path.Combine(o.OutputDir, "commandline.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
