using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Outputs;
using ClinicaDl.Roi;
using static TorchSharp.torch;

namespace ClinicaDl.Data;

/// <summary>Reads the ROI tensors written by <c>clinicadl extract roi</c> (<c>--use_extracted_roi</c>, spec §3.4); no mask is read.</summary>
public sealed class ExtractedRoiPatchSource : IPatchSource
{
    private readonly bool normalise;
    private readonly bool uncropped;

    /// <summary>Creates the source; <paramref name="uncropped"/> selects the <c>desc-CropImage</c> files.</summary>
    public ExtractedRoiPatchSource(bool normalise, bool uncropped)
    {
        this.normalise = normalise;
        this.uncropped = uncropped;
    }

    /// <summary>The ROI tensor file of <paramref name="session"/> and <paramref name="roi"/>.</summary>
    public string File(Session session, string roi) => session.Caps.RoiTensorPath(session.ParticipantId, session.SessionId, roi, uncropped);

    /// <summary>Reads one ROI tensor as (1, X, Y, Z) float32 data in C order.</summary>
    /// <exception cref="CheckpointException">A file that is not a (1, X, Y, Z) tensor.</exception>
    public static (float[] Data, int[] Shape) ReadTensor(string path)
    {
        using var scope = NewDisposeScope();
        var t = PyTorchFile.LoadTensor(path);
        if (t.shape.Length != 4 || t.shape[0] != 1)
            throw new CheckpointException(path, $"tensor has shape ({string.Join(", ", t.shape)}); a ROI tensor (1, X, Y, Z) was expected.");
        var data = t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        return (data, [(int)t.shape[1], (int)t.shape[2], (int)t.shape[3]]);
    }

    /// <inheritdoc />
    public int Load(Session session, IReadOnlyList<RoiDefinition> rois, IReadOnlyList<Memory<float>> destinations)
    {
        int constant = 0;
        for (int r = 0; r < rois.Count; r++)
        {
            string path = File(session, rois[r].Name);
            var (data, shape) = ReadTensor(path);
            if (!shape.SequenceEqual(rois[r].Shape))
                throw new CheckpointException(path, $"ROI tensor is {string.Join("×", shape)}; the other sessions' are {rois[r].Box.ShapeText}.");
            foreach (float v in data)
                if (!float.IsFinite(v))
                    throw new CapsLayoutException(path, $"ROI tensor of {session.Key} holds NaN or infinite values; a network cannot learn from them.",
                        "Extract it again from a finite image (clinicadl extract roi --overwrite).");
            var span = destinations[r].Span;
            data.CopyTo(span);
            if (normalise && !RoiExtractor.MinMaxNormalise(span)) constant++;
        }
        return constant;
    }
}
