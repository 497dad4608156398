using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Outputs;
using ClinicaDl.Slices;
using static TorchSharp.torch;

namespace ClinicaDl.Runs;

/// <summary>Options of <c>clinicadl extract slice CAPS_DIR PREPROCESSING</c>.</summary>
/// <param name="CapsDir">The CAPS folder (images read, tensors written).</param>
/// <param name="Preprocessing"><c>t1-linear</c>.</param>
/// <param name="Direction"><c>-sd/--slice_direction</c>.</param>
/// <param name="Mode"><c>-sm/--slice_mode</c>.</param>
/// <param name="SubjectsSessionsTsv"><c>-tsv/--subjects_sessions_tsv</c>: sessions to extract (default: every session with an image).</param>
/// <param name="Workers"><c>-np/--nproc</c>: images processed in parallel.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace existing slice (and image) tensors.</param>
public sealed record ExtractSliceOptions(string CapsDir, string Preprocessing, SliceDirection Direction = SliceDirection.Sagittal,
    SliceMode Mode = SliceMode.Rgb, string? SubjectsSessionsTsv = null, int Workers = 2, bool Overwrite = false);

/// <summary>What <c>extract slice</c> wrote.</summary>
/// <param name="Slices">Slice tensors written.</param>
/// <param name="Images">Whole-image tensors written (those missing before, or all with --overwrite).</param>
/// <param name="ConstantSlices">RGB slices that were constant and were written as zeros (decision 11; clinica writes NaN).</param>
public sealed record ExtractSliceResult(int Slices, int Images, int ConstantSlices);

/// <summary>Writes clinica's slice tensors (spec §6.3), every slice of the chosen direction, and the whole-image tensor.</summary>
/// <remarks>
/// <para>rgb: float32 (3, H, W), the slice min-max normalised on its own and stacked three times; single: float32
/// (1, H, W), raw. All L slices are written (none discarded), as clinica does.</para>
/// <para>Unlike clinica's extract-tensor (spec M15), the whole-image tensor <c>image_based/t1_linear/…_T1w.pt</c> (float32
/// (1, X, Y, Z), raw) is written too when it is missing, so on-the-fly training and the element count of ClinicaDL find it.
/// An existing image tensor is left alone unless <c>--overwrite</c>.</para>
/// </remarks>
public static class SliceTensorExport
{
    /// <summary>Checks everything, then writes the tensors.</summary>
    /// <exception cref="ClinicaDlException">Bad options, a missing CAPS or image, or existing slice tensors without --overwrite (nothing written);
    /// an image that cannot be decoded (nothing written either: every file is renamed into place at the end).</exception>
    public static ExtractSliceResult Run(ExtractSliceOptions o, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        if (o.Preprocessing != CapsLayout.T1Linear)
            throw new InvalidOptionException("PREPROCESSING", CapsLayout.T1Linear, o.Preprocessing);
        if (!SliceDirections.TryParse((int)o.Direction, out _))
            throw new InvalidOptionException("-sd/--slice_direction", "0 (sagittal), 1 (coronal) or 2 (axial)", ((int)o.Direction).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Guard.Positive("-np/--nproc", o.Workers);
        if (!Directory.Exists(o.CapsDir))
            throw new CapsLayoutException(o.CapsDir, "CAPS folder not found.");
        var caps = new CapsLayout(o.CapsDir);
        var sessions = SessionList.Resolve(caps, o.SubjectsSessionsTsv)
            .Select(s => new Session(s.Participant, s.Session, null, -1, Session.SingleCohort, o.CapsDir)).ToList();
        // Every image is checked before any tensor is written, as train checks them.
        CapsImages.Check(sessions);
        foreach (var s in sessions)
        {
            if (!o.Overwrite)
            {
                string first = SliceFiles.Path(caps, s.ParticipantId, s.SessionId, o.Direction, o.Mode, 0);
                if (File.Exists(first))
                    throw new OutputFolderException(first, "already exists.", "Add --overwrite to replace the extracted slice tensors.");
            }
        }

        // Written under temporary names and renamed into place once every image has been read: a corrupt image,
        // a full disk or an interrupt leaves the CAPS as it was.
        using var staged = new StagedWrites();
        int done = 0, slices = 0, images = 0, constant = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Workers, CancellationToken = cancel };
        Parallel.ForEach(sessions, parallel, session =>
        {
            string imageFile = CapsImages.ImageFile(session)!;
            var (data, shape) = CapsImages.ReadImage(imageFile);
            string imageTensor = caps.ImageTensorPath(session.ParticipantId, session.SessionId);
            if (o.Overwrite ? imageFile != imageTensor : !File.Exists(imageTensor))
            {
                using var scope = NewDisposeScope();
                PyTorchFile.SaveTensor(staged.Stage(imageTensor), ImageTensor(data, shape));
                Interlocked.Increment(ref images);
            }
            var (h, w) = o.Direction.SliceShape(shape);
            var slice = new float[h * w];
            for (int i = 0; i < o.Direction.Length(shape); i++)
            {
                cancel.ThrowIfCancellationRequested();
                SliceExtractor.Cut(data, shape, o.Direction, i, slice);
                using var scope = NewDisposeScope();
                Tensor t;
                if (o.Mode == SliceMode.Rgb)
                {
                    if (!RoiExtractor.MinMaxNormalise(slice)) Interlocked.Increment(ref constant);
                    t = tensor(slice, [1, h, w], ScalarType.Float32).expand(3, h, w);
                }
                else
                {
                    t = tensor(slice, [1, h, w], ScalarType.Float32);
                }
                PyTorchFile.SaveTensor(staged.Stage(SliceFiles.Path(caps, session.ParticipantId, session.SessionId, o.Direction, o.Mode, i)), t);
                Interlocked.Increment(ref slices);
            }
            progress?.Report((Interlocked.Increment(ref done), sessions.Count));
        });
        staged.Commit();
        return new ExtractSliceResult(slices, images, constant);
    }

    /// <summary>The image as a float32 tensor (1, X, Y, Z) in C order, from data stored x fastest.</summary>
    private static Tensor ImageTensor(float[] data, int[] shape)
        => tensor(data, [1, shape[2], shape[1], shape[0]], ScalarType.Float32).permute(0, 3, 2, 1);
}
