using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Outputs;
using static TorchSharp.torch;

namespace ClinicaDl.Slices;

/// <summary>Prepares the used slices of one session, once: each a 224×224 uint8 plane (spec §5.2–5.3).</summary>
/// <remarks>
/// <para>On the fly, the image is read and decoded once and every slice of <see cref="Range"/> is cut from it. With
/// <c>--use_extracted_slices</c>, clinica's rgb slice tensors are read instead (spec §5.2); they hold the slice already
/// normalised, so normalising again changes nothing and both paths give the same planes, as in 0.2.1.</para>
/// <para>A plane stores the network input exactly: its three channels are identical and equal to <c>plane / 255</c>.
/// That is 50,176 bytes per slice, against 602,112 for the float32 (3, 224, 224) tensor.</para>
/// </remarks>
/// <param name="Range">The direction and the slices used.</param>
/// <param name="UseExtracted">True with <c>--use_extracted_slices</c>.</param>
public sealed record SliceSource(SliceRange Range, bool UseExtracted)
{
    /// <summary>The rgb slice tensor read for slice <paramref name="sliceId"/> with <c>--use_extracted_slices</c>.</summary>
    public string ExtractedFile(Session session, int sliceId)
        => SliceFiles.Path(session.Caps, session.ParticipantId, session.SessionId, Range.Direction, SliceMode.Rgb, sliceId);

    /// <summary>The number of slices L along the direction according to the rgb slice tensors of <paramref name="session"/>:
    /// clinica writes every slice, 0 … L − 1 (spec §6.3), so L is the first index without a file.</summary>
    /// <remarks>0.2.1 counts from the first row's whole image instead, and then needs that image too (spec M16); here the
    /// extracted slices are enough.</remarks>
    public int CountExtracted(Session session)
    {
        int length = 0;
        while (File.Exists(ExtractedFile(session, length))) length++;
        return length;
    }

    /// <summary>Checks that every used slice of every session has its rgb slice tensor, before anything is read or written.</summary>
    /// <exception cref="CapsLayoutException">The first missing file, with how many are missing and the command that writes them.</exception>
    public void CheckExtracted(IReadOnlyList<Session> sessions, int count)
    {
        string? first = null;
        int missing = 0;
        foreach (var session in sessions)
            for (int k = 0; k < count; k++)
            {
                string file = ExtractedFile(session, Range.SliceId(k));
                if (File.Exists(file)) continue;
                first ??= file;
                missing++;
            }
        if (first is null) return;
        string caps = sessions.Select(s => s.CapsRoot).Distinct().Count() == 1 ? sessions[0].CapsRoot : "CAPS_DIR";
        throw new CapsLayoutException(first,
            $"slice tensor not found (--use_extracted_slices){(missing > 1 ? $"; {missing - 1} other used slice tensor(s) are missing too" : "")}.",
            $"Write them with: clinicadl extract slice {caps} t1-linear -sd {(int)Range.Direction} (rgb mode), or train without --use_extracted_slices.");
    }

    /// <summary>Writes the planes of the <paramref name="count"/> used slices of <paramref name="session"/>, one after the other, into <paramref name="planes"/>.</summary>
    /// <returns>How many slices were constant and became zeros (decision 11).</returns>
    /// <exception cref="ClinicaDlException">An image or slice file is missing, unreadable, or of the wrong shape; the message names it.</exception>
    public int Load(Session session, int count, Span<byte> planes)
    {
        if (planes.Length != count * SliceExtractor.PlaneSize)
            throw new ArgumentException($"{planes.Length} bytes do not hold {count} planes.", nameof(planes));
        return UseExtracted ? LoadExtracted(session, count, planes) : LoadFromImage(session, count, planes);
    }

    private int LoadFromImage(Session session, int count, Span<byte> planes)
    {
        var (path, data, shape) = CapsImages.Read(session);
        if (Range.Count(shape) != count)
            throw new CapsLayoutException(path, $"image of {session.Key} is {string.Join("×", shape)}, which gives {Range.Count(shape)} slices; the run uses {count} (every image must share one grid).");
        foreach (float v in data)
            if (!float.IsFinite(v))
                throw new CapsLayoutException(path, $"image of {session.Key} holds NaN or infinite values; a network cannot learn from them.",
                    "Check the image (clinica's t1-linear outputs hold finite values).");
        int constant = 0;
        for (int k = 0; k < count; k++)
            if (!SliceExtractor.Prepare(data, shape, Range.Direction, Range.SliceId(k), planes.Slice(k * SliceExtractor.PlaneSize, SliceExtractor.PlaneSize)))
                constant++;
        return constant;
    }

    private int LoadExtracted(Session session, int count, Span<byte> planes)
    {
        int constant = 0;
        for (int k = 0; k < count; k++)
        {
            string path = ExtractedFile(session, Range.SliceId(k));
            using var scope = NewDisposeScope();
            var t = PyTorchFile.LoadTensor(path);
            if (t.dim() != 3 || t.shape[0] != 3)
                throw new CheckpointException(path, $"holds a tensor of shape ({string.Join(", ", t.shape)}); an rgb slice (3, H, W) was expected.");
            int h = (int)t.shape[1], w = (int)t.shape[2];
            var values = t.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
            int n = h * w;
            var slice = values.AsSpan(0, n);
            if (slice.ContainsAnyExcept(float.NaN) is false)
            {
                // clinica writes a constant slice as NaN (spec M30): zeros here, as on the fly (decision 11).
                constant++;
                planes.Slice(k * SliceExtractor.PlaneSize, SliceExtractor.PlaneSize).Clear();
                continue;
            }
            for (int i = 0; i < n; i++)
                if (!(values[i] == values[n + i] && values[i] == values[2 * n + i]) || !float.IsFinite(values[i]))
                    throw new CheckpointException(path, "is not an rgb slice of clinica's extract_slices: its three channels differ or hold NaN or infinite values; extract the slices again with clinicadl extract slice (rgb mode).");
            if (!RoiExtractor.MinMaxNormalise(slice)) constant++;
            SliceExtractor.ResizeNormalised(slice, h, w, planes.Slice(k * SliceExtractor.PlaneSize, SliceExtractor.PlaneSize));
        }
        return constant;
    }
}
