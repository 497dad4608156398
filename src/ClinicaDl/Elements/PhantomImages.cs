using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;

namespace ClinicaDl.Elements;

/// <summary>The 2-D phantoms of <c>generate shepplogan</c> as image mode reads them for <c>preprocessing shepplogan</c>
/// (spec verbs §3.2, §6.1): <c>CAPS_DIR/subjects/&lt;participant&gt;_&lt;session&gt;_phantom-SheppLogan.pt</c>, flat, each a
/// float32 tensor (1, S, S).</summary>
public static class PhantomImages
{
    /// <summary>The preprocessing name (<c>random_search.json</c>'s <c>"preprocessing"</c>, <c>commandline.json</c>'s).</summary>
    public const string Preprocessing = "shepplogan";

    /// <summary>The file suffix after <c>&lt;participant&gt;_&lt;session&gt;_</c>.</summary>
    public const string Suffix = "phantom-SheppLogan.pt";

    /// <summary>The phantom file of <paramref name="session"/>.</summary>
    public static string PathOf(Session session)
    {
        if (!BidsLabel.IsParticipantId(session.ParticipantId) || !BidsLabel.IsSessionId(session.SessionId))
            throw new CapsLayoutException(session.CapsRoot, $"session {session.Key} is not a pair of BIDS labels (sub-<label>, ses-<label>).");
        return Path.Combine(session.CapsRoot, "subjects", $"{session.ParticipantId}_{session.SessionId}_{Suffix}");
    }

    /// <summary>Every session's phantom exists and is a (1, H, W) tensor, all of one shape; checked from the files' headers.
    /// Returns (H, W).</summary>
    /// <exception cref="CapsLayoutException">A missing phantom (the first is named, with the count of others), or one of another shape.</exception>
    /// <exception cref="CheckpointException">A file that is not a PyTorch tensor.</exception>
    public static int[] Check(IReadOnlyList<Session> sessions)
    {
        var missing = sessions.Select(PathOf).Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
            throw new CapsLayoutException(missing[0], $"phantom not found{(missing.Count > 1 ? $" (and {missing.Count - 1} other session(s) have none)" : "")}.",
                "preprocessing shepplogan reads the phantoms of `clinicadl generate shepplogan CAPS_DIR` (CAPS_DIR/subjects/<participant>_<session>_phantom-SheppLogan.pt).");
        int[]? grid = null;
        string? first = null;
        foreach (var s in sessions)
        {
            string file = PathOf(s);
            int[] shape = Shape(file);
            if (grid is null)
            {
                grid = shape;
                first = file;
            }
            else if (!shape.SequenceEqual(grid))
                throw new CapsLayoutException(file, $"phantom of {s.Key} is {string.Join("×", shape)}; the first phantom ({first}) is {string.Join("×", grid)}, and every image of a run must share one shape.");
        }
        return grid ?? throw new CapsLayoutException(sessions.Count == 0 ? "CAPS_DIR" : sessions[0].CapsRoot, "no session to read.");
    }

    /// <summary>The (H, W) of a phantom file, read from its header.</summary>
    /// <exception cref="CapsLayoutException">A tensor that is not (1, H, W).</exception>
    public static int[] Shape(string file)
    {
        try
        {
            var (shape, _) = PyTorchFile.InspectTensor(file);
            return Checked(file, shape);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CapsLayoutException(file, $"phantom cannot be read ({e.Message}).");
        }
    }

    /// <summary>Reads a phantom as float32 values in C order (rows, then columns) and its (H, W).</summary>
    public static (float[] Data, int[] Shape) Read(string file)
    {
        using var tensor = PyTorchFile.LoadTensor(file);
        int[] shape = Checked(file, tensor.shape);
        using var asFloat = tensor.to_type(TorchSharp.torch.ScalarType.Float32).contiguous();
        return (asFloat.data<float>().ToArray(), shape);
    }

    private static int[] Checked(string file, long[] shape)
    {
        if (shape.Length != 3 || shape[0] != 1 || shape[1] < 1 || shape[2] < 1 || shape[1] > int.MaxValue || shape[2] > int.MaxValue)
            throw new CapsLayoutException(file, $"tensor has shape ({string.Join(", ", shape)}); a phantom is (1, H, W) (generate shepplogan writes (1, S, S)).");
        return [(int)shape[1], (int)shape[2]];
    }
}
