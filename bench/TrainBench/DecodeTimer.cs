using System.Diagnostics;
using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Formats.Nifti;

namespace TrainBench;

/// <summary>(c): single-thread decode time of all images of fold 0 (train + validation), page cache warm.</summary>
internal static class DecodeTimer
{
    /// <summary>Seconds for NiftiReader.Read over all images, and for what a cache worker does (read + cut + min-max of both ROIs).</summary>
    /// <param name="caps">The CAPS.</param>
    /// <param name="sliceDiscarded">For the slice benchmark: prepare the used sagittal slices (this many discarded at each end) instead of cutting the ROIs.</param>
    public static (double Read, double ReadAndCut, int Images) Run(string caps, int? sliceDiscarded = null)
    {
        var cohorts = Cohort.Resolve(caps, Path.Combine(caps, "labels"), multiCohort: false);
        var fold = LabelTree.Read(cohorts, ["AD", "CN"], baseline: false, nSplits: 2, split: 0);
        var sessions = fold.Train.Concat(fold.Validation).ToList();
        var paths = sessions.Select(s => CapsImages.ImageFile(s)!).ToList();
        foreach (var p in paths) File.ReadAllBytes(p); // page cache warm, as in training (the files were just read)

        var rois = RoiDefinition.DefaultCubes;
        var buffers = rois.Select(r => new float[r.Box.VoxelCount]).ToArray();
        GC.Collect();
        double read = 0, cut = 0;
        var sw = new Stopwatch();
        foreach (var p in paths)
        {
            sw.Restart();
            var image = NiftiReader.Read(p);
            read += sw.Elapsed.TotalSeconds;
            sw.Restart();
            if (sliceDiscarded is int d)
            {
                var range = ClinicaDl.Slices.SliceRange.From(ClinicaDl.Slices.SliceDirection.Sagittal, [d]);
                var plane = new byte[ClinicaDl.Slices.SliceExtractor.PlaneSize];
                for (int k = 0; k < range.Count(image.Shape); k++)
                    ClinicaDl.Slices.SliceExtractor.Prepare(image.Data, image.Shape, range.Direction, range.SliceId(k), plane);
            }
            else
            {
                for (int r = 0; r < rois.Count; r++) RoiExtractor.Extract(image.Data, image.Shape, rois[r], normalise: true, buffers[r]);
            }
            cut += sw.Elapsed.TotalSeconds;
        }
        return (read, read + cut, sessions.Count);
    }

    /// <summary>Elements of fold 0: (train, validation) sessions.</summary>
    public static (int Train, int Valid) Sessions(string caps)
    {
        var cohorts = Cohort.Resolve(caps, Path.Combine(caps, "labels"), multiCohort: false);
        var fold = LabelTree.Read(cohorts, ["AD", "CN"], baseline: false, nSplits: 2, split: 0);
        return (fold.Train.Count, fold.Validation.Count);
    }
}
