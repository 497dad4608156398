using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using static TorchSharp.torch;

namespace ClinicaDl.Elements;

/// <summary>The ROI mode's elements: every ROI cut from one read of the image, or read from the tensors of
/// <c>clinicadl extract roi</c> (<c>--use_extracted_roi</c>, spec §3.4; no mask is read then).</summary>
public sealed class RoiElements : IElementSet
{
    private readonly IReadOnlyList<RoiDefinition> rois;
    private readonly bool normalise;
    private readonly bool extracted;
    private readonly bool uncropped;

    /// <summary>Creates the set.</summary>
    /// <param name="rois">The ROIs, in roi_id order.</param>
    /// <param name="normalise">False with <c>-un/--unnormalize</c>.</param>
    /// <param name="extracted"><c>--use_extracted_roi</c>: read ROI tensors instead of cutting the image.</param>
    /// <param name="uncropped"><c>--uncropped_roi</c> (selects the <c>desc-CropImage</c> tensors).</param>
    public RoiElements(IReadOnlyList<RoiDefinition> rois, bool normalise, bool extracted = false, bool uncropped = false)
    {
        this.rois = rois;
        this.normalise = normalise;
        this.extracted = extracted;
        this.uncropped = uncropped;
    }

    /// <summary>The ROIs.</summary>
    public IReadOnlyList<RoiDefinition> Rois => rois;

    /// <inheritdoc />
    public int Count => rois.Count;

    /// <inheritdoc />
    public string Level => "roi";

    /// <inheritdoc />
    public string Noun => "ROI";

    /// <inheritdoc />
    public int Channels => 1;

    /// <inheritdoc />
    public string Name(int k) => rois[k].Name;

    /// <inheritdoc />
    public int[] Shape(int k) => rois[k].Shape;

    /// <inheritdoc />
    public int[]? Origin(int k) => extracted ? null : [rois[k].Box.LoX, rois[k].Box.LoY, rois[k].Box.LoZ];

    /// <summary>The ROI tensor file of <paramref name="session"/> and ROI <paramref name="name"/>.</summary>
    public static string TensorFile(Session session, string name, bool uncropped)
        => session.Caps.RoiTensorPath(session.ParticipantId, session.SessionId, name, uncropped);

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
    public int Load(Session session, IReadOnlyList<Memory<float>> destinations)
        => extracted ? LoadExtracted(session, destinations) : Cut(session, destinations);

    private int Cut(Session session, IReadOnlyList<Memory<float>> destinations)
    {
        var (path, data, shape) = CapsImages.Read(session);
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

    private int LoadExtracted(Session session, IReadOnlyList<Memory<float>> destinations)
    {
        int constant = 0;
        for (int r = 0; r < rois.Count; r++)
        {
            string path = TensorFile(session, rois[r].Name, uncropped);
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
