using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats;
using ClinicaDl.Formats.PyTorch;
using static TorchSharp.torch;

namespace ClinicaDl.Runs;

/// <summary>Options of <c>clinicadl extract patch CAPS_DIR PREPROCESSING</c>.</summary>
/// <param name="CapsDir">The CAPS folder (images read, tensors written).</param>
/// <param name="Preprocessing"><c>t1-linear</c>.</param>
/// <param name="PatchSize"><c>-ps/--patch_size</c>.</param>
/// <param name="StrideSize"><c>-ss/--stride_size</c>.</param>
/// <param name="SubjectsSessionsTsv"><c>-tsv/--subjects_sessions_tsv</c>: sessions to extract (default: every session with an image).</param>
/// <param name="Workers"><c>-np/--nproc</c>: images processed in parallel.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace existing patch (and image) tensors.</param>
public sealed record ExtractPatchOptions(string CapsDir, string Preprocessing, int PatchSize = PatchGrid.DefaultSize, int StrideSize = PatchGrid.DefaultSize,
    string? SubjectsSessionsTsv = null, int Workers = 2, bool Overwrite = false);

/// <summary>What <c>extract patch</c> wrote.</summary>
/// <param name="Patches">Patch tensors written.</param>
/// <param name="PerImage">Patches per image (E).</param>
/// <param name="Images">Whole-image tensors written (those missing before, or all with --overwrite).</param>
/// <param name="Coverage">Fraction of each image's voxels that lie in some patch (spec M21).</param>
public sealed record ExtractPatchResult(int Patches, int PerImage, int Images, double Coverage);

/// <summary>Writes clinica's patch tensors (spec modes §6.3), which <c>--use_extracted_patches</c> reads, and the whole-image tensor.</summary>
/// <remarks>
/// <para>Patch k of a session is <c>patch_based/t1_linear/&lt;stem&gt;_patchsize-&lt;ps&gt;_stride-&lt;st&gt;_patch-&lt;k&gt;_T1w.pt</c>: float32
/// <c>(1, ps, ps, ps)</c>, raw (not normalised), cut as 0.2.1's <c>Tensor.unfold</c> cuts it (<see cref="PatchGrid"/>).</para>
/// <para>Unlike clinica's extract-tensor (spec M15), the whole-image tensor <c>image_based/t1_linear/…_T1w.pt</c> is written too
/// when it is missing, so on-the-fly training and the element count of ClinicaDL find it. An existing image tensor is left
/// alone unless <c>--overwrite</c>.</para>
/// </remarks>
public static class PatchTensorExport
{
    /// <summary>Checks everything, then writes the tensors.</summary>
    /// <exception cref="ClinicaDlException">Bad options, a missing CAPS or image, or existing patch tensors without --overwrite (nothing written);
    /// an image that cannot be decoded (nothing written either: every file is renamed into place at the end).</exception>
    public static ExtractPatchResult Run(ExtractPatchOptions o, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        if (o.Preprocessing != CapsLayout.T1Linear)
            throw new InvalidOptionException("PREPROCESSING", CapsLayout.T1Linear, o.Preprocessing);
        var grid = new PatchGrid(o.PatchSize, o.StrideSize);
        grid.Validate(CapsLayout.CroppedShape, 1, int.MaxValue, requirement: null);
        var sessions = ImageTensorExport.ExtractionSessions(o.CapsDir, o.SubjectsSessionsTsv, o.Workers);
        var caps = new CapsLayout(o.CapsDir);
        var patches = grid.Patches(CapsLayout.CroppedShape);
        if (!o.Overwrite)
            foreach (var s in sessions)
            {
                string first = PatchFiles.Path(caps, s.ParticipantId, s.SessionId, grid, 0);
                if (File.Exists(first))
                    throw new OutputFolderException(first, "already exists.", "Add --overwrite to replace the extracted patch tensors.");
            }

        // Written under temporary names and renamed into place once every image has been read: a corrupt image,
        // a full disk or an interrupt leaves the CAPS as it was.
        using var staged = new StagedWrites();
        int done = 0, written = 0, images = 0;
        long ps = grid.PatchSize;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Workers, CancellationToken = cancel };
        Parallel.ForEach(sessions, parallel, session =>
        {
            var (data, shape, imageStaged) = ImageTensorExport.ReadAndStageImageTensor(session, staged, o.Overwrite);
            if (imageStaged) Interlocked.Increment(ref images);
            var patch = new float[ps * ps * ps];
            for (int k = 0; k < patches.Count; k++)
            {
                cancel.ThrowIfCancellationRequested();
                RoiExtractor.Extract(data, shape, patches[k], normalise: false, patch);
                using var scope = NewDisposeScope();
                PyTorchFile.SaveTensor(staged.Stage(PatchFiles.Path(caps, session.ParticipantId, session.SessionId, grid, k)),
                    tensor(patch, [1, ps, ps, ps], ScalarType.Float32));
                Interlocked.Increment(ref written);
            }
            progress?.Report((Interlocked.Increment(ref done), sessions.Count));
        });
        staged.Commit();
        return new ExtractPatchResult(written, patches.Count, images, grid.Coverage(CapsLayout.CroppedShape));
    }
}
