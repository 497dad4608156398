using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using static TorchSharp.torch;

namespace ClinicaDl.Data;

/// <summary>Options of <c>clinicadl extract image CAPS_DIR PREPROCESSING</c>.</summary>
/// <param name="CapsDir">The CAPS folder (images read, tensors written).</param>
/// <param name="Preprocessing"><c>t1-linear</c>.</param>
/// <param name="UseUncroppedImage"><c>-uui/--use_uncropped_image</c>: convert the 193×229×193 image (a name without <c>desc-Crop</c>, which training never reads).</param>
/// <param name="SubjectsSessionsTsv"><c>-tsv/--subjects_sessions_tsv</c>: sessions to convert (default: every session with an image).</param>
/// <param name="Workers"><c>-np/--nproc</c>: images converted in parallel.</param>
/// <param name="Overwrite"><c>--overwrite</c>: replace existing image tensors.</param>
public sealed record ExtractImageOptions(string CapsDir, string Preprocessing, bool UseUncroppedImage = false,
    string? SubjectsSessionsTsv = null, int Workers = 2, bool Overwrite = false);

/// <summary>Writes clinica's whole-image tensors (<c>extract-tensor … image</c>, spec modes §6.3), which training reads when they are newer than the NIfTI (decision 1).</summary>
/// <remarks>
/// Each file is <c>torch.save</c> of the NIfTI's scaled voxel values as a float32 tensor <c>(1, X, Y, Z)</c>, NaN kept
/// (clinica's <c>save_as_pt</c>), at <c>subjects/&lt;p&gt;/&lt;s&gt;/deeplearning_prepare_data/image_based/t1_linear/&lt;p&gt;_&lt;s&gt;_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.pt</c>
/// (without <c>desc-Crop</c> for the uncropped image). Unlike clinica, existing tensors are only replaced with <c>--overwrite</c>.
/// </remarks>
public static class ImageTensorExport
{
    /// <summary>Checks everything, then writes the tensors; returns the number of files written.</summary>
    /// <exception cref="ClinicaDlException">A bad option, CAPS, TSV or image; nothing is written then, except for an image found unreadable mid-way.</exception>
    public static int Run(ExtractImageOptions o, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        if (o.Preprocessing != CapsLayout.T1Linear)
            throw new InvalidOptionException("PREPROCESSING", CapsLayout.T1Linear, o.Preprocessing);
        Guard.Positive("-np/--nproc", o.Workers);
        if (!Directory.Exists(o.CapsDir))
            throw new CapsLayoutException(o.CapsDir, "CAPS folder not found.");
        var caps = new CapsLayout(o.CapsDir);
        var sessions = SessionList.Resolve(caps, o.SubjectsSessionsTsv);
        bool cropped = !o.UseUncroppedImage;
        foreach (var (p, s) in sessions)
        {
            string nifti = caps.ImagePath(p, s, cropped);
            if (!File.Exists(nifti))
                throw new CapsLayoutException(nifti, $"image of {p}/{s} not found.", "extract image converts clinica's t1-linear NIfTI images.");
            NiftiReader.Verify(nifti);
            string tensorPath = caps.ImageTensorPath(p, s, cropped);
            if (!o.Overwrite && File.Exists(tensorPath))
                throw new OutputFolderException(tensorPath, "already exists.", "Add --overwrite to replace the extracted image tensors.");
        }

        int done = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Workers, CancellationToken = cancel };
        Parallel.ForEach(sessions, parallel, session =>
        {
            var image = NiftiReader.Read(caps.ImagePath(session.Participant, session.Session, cropped));
            using var scope = NewDisposeScope();
            PyTorchFile.SaveTensor(caps.ImageTensorPath(session.Participant, session.Session, cropped), ToTensor(image.Data, image.Shape));
            progress?.Report((Interlocked.Increment(ref done), sessions.Count));
        });
        return sessions.Count;
    }

    /// <summary>NIfTI voxels (Fortran order, i fastest) as the tensor <c>(1, X, Y, Z)</c> that <c>torch.from_numpy(get_fdata()).unsqueeze(0).float()</c> gives.</summary>
    public static Tensor ToTensor(float[] fortranOrder, IReadOnlyList<int> shape)
    {
        // Fortran order over (X, Y, Z) is C order over (Z, Y, X): reverse the axes.
        var reversed = tensor(fortranOrder, [shape[2], shape[1], shape[0]], ScalarType.Float32);
        return reversed.permute(2, 1, 0).contiguous().unsqueeze(0);
    }

    /// <summary>Reads <paramref name="session"/>'s image for an element extraction (<c>extract slice</c>, <c>extract patch</c>) and stages
    /// its whole-image tensor when it is missing, or with <paramref name="overwrite"/> whenever the image came from the NIfTI: clinica's
    /// extract-tensor leaves that tensor in its working directory (spec M15), yet on-the-fly training in ClinicaDL needs it.</summary>
    /// <returns>The image (x fastest), its shape (X, Y, Z), and whether the image tensor was staged.</returns>
    /// <exception cref="CapsLayoutException">The session has no image.</exception>
    public static (float[] Data, int[] Shape, bool Staged) ReadAndStageImageTensor(Session session, StagedWrites staged, bool overwrite)
    {
        var (imageFile, data, shape) = CapsImages.Read(session);
        string imageTensor = session.Caps.ImageTensorPath(session.ParticipantId, session.SessionId);
        if (overwrite ? imageFile == imageTensor : File.Exists(imageTensor))
            return (data, shape, false);
        using var scope = NewDisposeScope();
        PyTorchFile.SaveTensor(staged.Stage(imageTensor), ToTensor(data, shape));
        return (data, shape, true);
    }

    /// <summary>The sessions an element extraction (<c>extract slice</c>, <c>extract patch</c>) converts, checked before any tensor is
    /// written as train checks them: <c>-np</c>, the CAPS folder, the <c>-tsv</c> list, and every image (found, on the cropped t1-linear grid).</summary>
    /// <exception cref="ClinicaDlException">The first problem found, naming the option, folder or file.</exception>
    public static IReadOnlyList<Session> ExtractionSessions(string capsDir, string? subjectsSessionsTsv, int workers)
    {
        Guard.Positive("-np/--nproc", workers);
        if (!Directory.Exists(capsDir))
            throw new CapsLayoutException(capsDir, "CAPS folder not found.");
        var sessions = SessionList.Resolve(new CapsLayout(capsDir), subjectsSessionsTsv)
            .Select(s => new Session(s.Participant, s.Session, null, -1, Session.SingleCohort, capsDir)).ToList();
        CapsImages.Check(sessions);
        return sessions;
    }
}
