using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;

namespace ClinicaDl.Elements;

/// <summary>Reads a session's t1-linear image, the one decode every mode cuts its elements from (DESIGN decision 1).</summary>
/// <remarks>
/// Reads the cropped NIfTI directly. When ClinicaDL's whole-image tensor (<c>extract-tensor … image</c>, spec §2.2)
/// exists and is at least as new as the NIfTI (or the NIfTI is missing), the tensor is read instead, so CAPS
/// folders prepared for ClinicaDL work as they are.
/// </remarks>
public static class CapsImages
{
    /// <summary>Each decode worker's image buffer (25 MB for a t1-linear crop), reused for its next image instead of leaving one large-object-heap array behind per image.</summary>
    [ThreadStatic]
    private static float[]? imageBuffer;

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

    /// <summary>Every session's image exists and is on the cropped t1-linear grid (with <paramref name="anyGrid"/>: on the first
    /// image's grid, whatever it is); checked from headers, no image body is read. Returns the grid.</summary>
    /// <exception cref="CapsLayoutException">A missing image, or one on another grid.</exception>
    public static int[] Check(IReadOnlyList<Session> sessions, bool anyGrid = false)
    {
        var missing = new List<string>();
        int[]? grid = anyGrid ? null : CapsLayout.CroppedShape;
        string? first = null;
        foreach (var s in sessions)
        {
            string? file = ImageFile(s);
            if (file is null)
            {
                missing.Add(s.Caps.ImagePath(s.ParticipantId, s.SessionId));
                continue;
            }
            int[] shape;
            try
            {
                shape = file.EndsWith(".pt", StringComparison.Ordinal) ? TensorImageShape(file) : NiftiReader.Verify(file).SpatialShape;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                throw new CapsLayoutException(file, $"image of {s.Key} cannot be read ({e.Message}).");
            }
            if (grid is null)
            {
                grid = shape;
                first = file;
            }
            if (!shape.SequenceEqual(grid))
                throw new CapsLayoutException(file, first is null
                        ? $"image of {s.Key} is {string.Join("×", shape)}; the cropped t1-linear grid is 169×208×179."
                        : $"image of {s.Key} is {string.Join("×", shape)}; the first image ({first}) is {string.Join("×", grid)}, and every image of a run must share one grid.",
                    "Use images from clinica's t1-linear pipeline (desc-Crop).");
        }
        if (missing.Count > 0)
            throw new CapsLayoutException(missing[0], $"image not found{(missing.Count > 1 ? $" (and {missing.Count - 1} other session(s) have no image)" : "")}.",
                "Each session of the label files needs its t1-linear image in the CAPS.");
        return grid ?? CapsLayout.CroppedShape;
    }

    /// <summary>The spatial shape of a whole-image tensor (1, X, Y, Z), checked without reading its voxels, so that a garbage <c>.pt</c> is refused before anything is written.</summary>
    public static int[] TensorImageShape(string file)
    {
        var (shape, _) = PyTorchFile.InspectTensor(file);
        CheckImageShape(file, shape);
        return [(int)shape[1], (int)shape[2], (int)shape[3]];
    }

    /// <summary>Reads the image of <paramref name="session"/> (x fastest) with its file and shape.</summary>
    /// <exception cref="CapsLayoutException">Neither the NIfTI nor the tensor exists.</exception>
    public static (string Path, float[] Data, int[] Shape) Read(Session session)
    {
        string path = ImageFile(session)
            ?? throw new CapsLayoutException(session.Caps.ImagePath(session.ParticipantId, session.SessionId), $"image of {session.Key} not found.");
        var (data, shape) = ReadImage(path);
        return (path, data, shape);
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
    /// <remarks>A float32 tensor stored x fastest (what ClinicaDL's <c>extract-tensor</c> writes: nibabel's array through
    /// <c>torch.from_numpy</c>) or in C order is streamed from the file into the worker's reused image buffer, as a NIfTI
    /// is: reading it through LibTorch left three 25 MB copies per image behind (the file's bytes, the tensor in malloc's
    /// heap, its managed copy), which took the ROI job's peak from 0.8 to 1.4 GB on a CAPS prepared for ClinicaDL. Other
    /// types and layouts take that general route.</remarks>
    private static (float[] Data, int[] Shape) ReadTensor(string path)
    {
        float[]? image = null;
        int nx = 0, ny = 0, nz = 0;
        if (PyTorchFile.TryReadFloat32(path, (shape, strides) =>
            {
                CheckImageShape(path, shape);
                (nx, ny, nz) = ((int)shape[1], (int)shape[2], (int)shape[3]);
                bool xFastest = strides[1] == 1 && strides[2] == nx && strides[3] == (long)nx * ny;
                bool zFastest = strides[3] == 1 && strides[2] == nz && strides[1] == (long)ny * nz;
                if (!xFastest && !zFastest)
                    return null;
                var target = image = imageBuffer?.Length == (long)nx * ny * nz ? imageBuffer : new float[checked(nx * ny * nz)];
                if (xFastest)
                    return (first, values) => values.CopyTo(target.AsSpan((int)first));
                int plane = nx * ny, rowLength = nz;
                return (first, values) =>
                {
                    // Whole rows of z in C order: row (x, y) is x·Y + y.
                    for (int r = 0; r < values.Length / rowLength; r++)
                    {
                        int xy = (int)(first / rowLength) + r, at = xy / ny + nx * (xy % ny);
                        var row = values.Slice(r * rowLength, rowLength);
                        for (int z = 0; z < rowLength; z++)
                            target[at + plane * z] = row[z];
                    }
                };
            }))
        {
            imageBuffer = image;
            return (image!, [nx, ny, nz]);
        }
        using var tensor = PyTorchFile.LoadTensor(path);
        CheckImageShape(path, tensor.shape);
        (nx, ny, nz) = ((int)tensor.shape[1], (int)tensor.shape[2], (int)tensor.shape[3]);
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

    private static void CheckImageShape(string path, long[] dims)
    {
        if (dims.Length != 4 || dims[0] != 1)
            throw new CheckpointException(path, $"tensor has shape ({string.Join(", ", dims)}); an image tensor (1, X, Y, Z) was expected.");
    }
}
