using System.Diagnostics;
using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Options;

namespace TrainBench;

/// <summary>(c): single-thread decode time of all images of fold 0 (train + validation), page cache warm.</summary>
internal static class DecodeTimer
{
    /// <summary>Seconds for NiftiReader.Read over all images, and for what a cache worker does per session: the mode's
    /// <see cref="IElementSet.Load"/> (read, decode, cut and normalise every element; slices also resized and quantised).</summary>
    public static (double Read, double ReadAndCut, int Images) Run(string caps, BenchNetwork bench)
    {
        var (cohorts, fold) = Fold(caps);
        var sessions = fold.Train.Concat(fold.Validation).ToList();
        var paths = sessions.Select(s => CapsImages.ImageFile(s)!).ToList();
        foreach (var p in paths) File.ReadAllBytes(p); // page cache warm, as in training (the files were just read)

        var options = TrainOptions.Defaults(bench.Type, caps, Path.Combine(caps, "labels"), Path.Combine(caps, "unused"), bench.ModeOptions()) with { Model = bench.Model };
        var elements = options.Mode.Elements(options, cohorts, sessions);
        var buffers = Enumerable.Range(0, elements.Count).Select(k => new Memory<float>(new float[elements.StoredLength(k)])).ToArray();
        GC.Collect();
        double read = 0, load = 0;
        var sw = new Stopwatch();
        for (int i = 0; i < sessions.Count; i++)
        {
            sw.Restart();
            GC.KeepAlive(NiftiReader.Read(paths[i]));
            read += sw.Elapsed.TotalSeconds;
            sw.Restart();
            elements.Load(sessions[i], buffers);
            load += sw.Elapsed.TotalSeconds;
        }
        return (read, load, sessions.Count);
    }

    /// <summary>Elements of fold 0: (train, validation) sessions.</summary>
    public static (int Train, int Valid) Sessions(string caps)
    {
        var (_, fold) = Fold(caps);
        return (fold.Train.Count, fold.Validation.Count);
    }

    /// <summary>Total size of the image files of fold 0 (train + validation), what reading each once costs in bytes.</summary>
    public static long ImageBytes(string caps)
    {
        var (_, fold) = Fold(caps);
        return fold.Train.Concat(fold.Validation).Sum(s => new FileInfo(CapsImages.ImageFile(s)!).Length);
    }

    private static (IReadOnlyList<Cohort> Cohorts, FoldSessions Fold) Fold(string caps)
    {
        var cohorts = Cohort.Resolve(caps, Path.Combine(caps, "labels"), multiCohort: false);
        return (cohorts, LabelTree.Read(cohorts, ["AD", "CN"], baseline: false, nSplits: 2, split: 0));
    }
}
