using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Nifti;
using ClinicaDl.Outputs;
using ClinicaDl.Roi;

namespace ClinicaDl.Data;

/// <summary>Cuts every ROI of a session from one read of its t1-linear image (DESIGN decision 1).</summary>
/// <remarks>
/// Reads the cropped NIfTI directly. When ClinicaDL's whole-image tensor (<c>extract-tensor … image</c>, spec §2.2)
/// exists and is at least as new as the NIfTI (or the NIfTI is missing), the tensor is read instead, so CAPS
/// folders prepared for ClinicaDL work as they are.
/// </remarks>
public sealed class ImagePatchSource : IPatchSource
{
    private readonly bool normalise;

    /// <summary>Each decode worker's image buffer (25 MB for a t1-linear crop), reused for its next image instead of leaving one large-object-heap array behind per image.</summary>
    [ThreadStatic]
    private static float[]? imageBuffer;

    /// <summary>Creates the source; <paramref name="normalise"/> is false with <c>-un/--unnormalize</c>.</summary>
    public ImagePatchSource(bool normalise) => this.normalise = normalise;

    /// <summary>The file read for <paramref name="session"/>: the newer of the NIfTI and the whole-image tensor, or null if neither exists.</summary>
    public static string? ImageFile(Session session)
    {
        string nifti = session.Caps.ImagePath(session.ParticipantId, session.SessionId);
        string tensor = session.Caps.ImageTensorPath(session.ParticipantId, session.SessionId);
        bool hasNifti = File.Exists(nifti), hasTensor = File.Exists(tensor);
        if (hasTensor && (!hasNifti || File.GetLastWriteTimeUtc(tensor) >= File.GetLastWriteTimeUtc(nifti)))
            return tensor;
        return hasNifti ? nifti : null;
    }

    /// <inheritdoc />
    public int Load(Session session, IReadOnlyList<RoiDefinition> rois, IReadOnlyList<Memory<float>> destinations)
    {
        string path = ImageFile(session)
            ?? throw new CapsLayoutException(session.Caps.ImagePath(session.ParticipantId, session.SessionId), $"image of {session.Key} not found.");
        var (data, shape) = ReadImage(path);
        int constant = 0;
        for (int r = 0; r < rois.Count; r++)
        {
            if (!rois[r].Box.FitsIn(shape))
                throw new CapsLayoutException(path, $"image is {string.Join("×", shape)}; ROI {rois[r].Name} needs a box up to ({rois[r].Box.HiX}, {rois[r].Box.HiY}, {rois[r].Box.HiZ}).");
            // The voxels are checked before normalisation: an infinite one would make the min-max range infinite and the
            // patch zeros, as if it were constant.
            RoiExtractor.Extract(data, shape, rois[r], normalise: false, destinations[r].Span);
            foreach (float v in destinations[r].Span)
                if (!float.IsFinite(v))
                    throw new CapsLayoutException(path, $"ROI {rois[r].Name} of {session.Key} holds NaN or infinite values; a network cannot learn from them.",
                        "Check the image (clinica's t1-linear outputs hold finite values).");
            if (normalise && !RoiExtractor.MinMaxNormalise(destinations[r].Span))
                constant++;
        }
        return constant;
    }

    /// <summary>Reads an image (a NIfTI, or a whole-image tensor <c>.pt</c>) as float32 values stored x fastest, and its shape (X, Y, Z).</summary>
    /// <exception cref="Errors.ClinicaDlException">The file cannot be read or is not an image.</exception>
    public static (float[] Data, int[] Shape) ReadImage(string path)
        => path.EndsWith(".pt", StringComparison.Ordinal) ? ReadTensor(path) : ReadNifti(path);

    private static (float[] Data, int[] Shape) ReadNifti(string path)
    {
        var image = NiftiReader.Read(path, imageBuffer);
        imageBuffer = image.Data;
        return (image.Data, image.Shape);
    }

    /// <summary>Reads a <c>(1, X, Y, Z)</c> tensor and reorders it to NIfTI order (i fastest).</summary>
    private static (float[] Data, int[] Shape) ReadTensor(string path)
    {
        using var tensor = PyTorchFile.LoadTensor(path);
        var dims = tensor.shape;
        if (dims.Length != 4 || dims[0] != 1)
            throw new CheckpointException(path, $"tensor has shape ({string.Join(", ", dims)}); an image tensor (1, X, Y, Z) was expected.");
        int nx = (int)dims[1], ny = (int)dims[2], nz = (int)dims[3];
        using var asFloat = tensor.to_type(TorchSharp.torch.ScalarType.Float32).contiguous();
        var c = asFloat.data<float>().ToArray();
        var f = new float[c.Length];
        for (int x = 0; x < nx; x++)
            for (int y = 0; y < ny; y++)
            {
                int src = (x * ny + y) * nz;
                for (int z = 0; z < nz; z++)
                    f[x + nx * (y + ny * z)] = c[src + z];
            }
        return (f, [nx, ny, nz]);
    }
}
