using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats;
using ClinicaDl.Formats.PyTorch;
using static TorchSharp.torch;

namespace ClinicaDl.Runs;

/// <summary>Options of <c>clinicadl extract roi CAPS_DIR PREPROCESSING --roi_list …</c>.</summary>
/// <param name="CapsDir">The CAPS folder (images read, tensors written).</param>
/// <param name="Preprocessing"><c>t1-linear</c>.</param>
/// <param name="RoiList"><c>--roi_list</c>: mask names (required).</param>
/// <param name="UncroppedRoi"><c>--uncropped_roi</c>: keep the whole grid (<c>desc-CropImage</c> names).</param>
/// <param name="SubjectsSessionsTsv"><c>-tsv/--subjects_sessions_tsv</c>: sessions to extract (default: every session with an image).</param>
/// <param name="Workers"><c>-np/--nproc</c>: images processed in parallel.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace existing ROI tensors.</param>
public sealed record ExtractRoiOptions(string CapsDir, string Preprocessing, IReadOnlyList<string> RoiList, bool UncroppedRoi = false,
    string? SubjectsSessionsTsv = null, int Workers = 2, bool Overwrite = false);

/// <summary>Writes one ROI tensor per session and ROI (spec §2.4) for <c>--use_extracted_roi</c>.</summary>
/// <remarks>
/// Each file holds image × mask cropped to the mask's bounding box (the whole grid with <c>--uncropped_roi</c>),
/// not normalised, as a float32 tensor <c>(1, X, Y, Z)</c> in PyTorch's format, at
/// <c>subjects/&lt;p&gt;/&lt;s&gt;/deeplearning_prepare_data/roi_based/t1_linear/&lt;p&gt;_&lt;s&gt;_T1w_space-MNI152NLin2009cSym_desc-CropRoi_res-1x1x1_roi-&lt;roi&gt;_T1w.pt</c>.
/// </remarks>
public static class RoiTensorExport
{
    /// <summary>Checks everything, then writes the tensors; returns the number of files written.</summary>
    public static int Run(ExtractRoiOptions o, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        if (o.Preprocessing != CapsLayout.T1Linear)
            throw new InvalidOptionException("PREPROCESSING", CapsLayout.T1Linear, o.Preprocessing);
        if (o.RoiList.Count == 0)
            throw new InvalidOptionException("--roi_list", "give at least one mask name (masks live in <caps>/masks/roi_based/tpl-MNI152NLin2009cSym/)");
        Guard.Positive("-np/--nproc", o.Workers);
        if (!Directory.Exists(o.CapsDir))
            throw new CapsLayoutException(o.CapsDir, "CAPS folder not found.");
        var caps = new CapsLayout(o.CapsDir);
        var sessions = SessionList.Resolve(caps, o.SubjectsSessionsTsv);
        var rois = RoiSet.Resolve(caps, o.RoiList, o.UncroppedRoi, CapsLayout.CroppedShape);
        if (!o.Overwrite)
        {
            foreach (var (p, s) in sessions)
                foreach (var roi in rois)
                {
                    string path = caps.RoiTensorPath(p, s, roi.Name, o.UncroppedRoi);
                    if (File.Exists(path))
                        throw new OutputFolderException(path, "already exists.", "Add --overwrite to replace the extracted ROI tensors.");
                }
        }

        // Every image is checked before any tensor is written (grid, header, complete data), as train checks them.
        var all = sessions.Select(x => new Session(x.Participant, x.Session, null, -1, Session.SingleCohort, o.CapsDir)).ToList();
        CapsImages.Check(all);

        // Tensors go to hidden temporary files beside their destinations and are renamed into place only once every
        // image has been read and cut: a corrupt image, a full disk or an interrupt leaves the CAPS as it was.
        using var staged = new StagedWrites();
        var source = new RoiElements(rois, normalise: false);
        int done = 0, written = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Workers, CancellationToken = cancel };
        Parallel.ForEach(all, parallel, s =>
        {
            var patches = rois.Select(r => new float[r.Box.VoxelCount]).ToArray();
            source.Load(s, patches.Select(p => p.AsMemory()).ToArray());
            for (int r = 0; r < rois.Count; r++)
            {
                var shape = rois[r].Shape;
                using var scope = NewDisposeScope();
                var t = tensor(patches[r], [1, shape[0], shape[1], shape[2]], ScalarType.Float32);
                PyTorchFile.SaveTensor(staged.Stage(caps.RoiTensorPath(s.ParticipantId, s.SessionId, rois[r].Name, o.UncroppedRoi)), t);
                Interlocked.Increment(ref written);
            }
            progress?.Report((Interlocked.Increment(ref done), sessions.Count));
        });
        staged.Commit();
        return written;
    }
}
