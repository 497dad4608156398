using System.Globalization;
using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using static TorchSharp.torch;

namespace ClinicaDl.Data;

/// <summary>Reads the patch tensors written by <c>clinicadl extract patch</c> or clinica's <c>extract-tensor … patch</c>
/// (<c>--use_extracted_patches</c>, spec modes §4.2) instead of cutting them from the image.</summary>
/// <remarks>
/// Each file holds the raw patch, float32 <c>(1, ps, ps, ps)</c>; it is normalised here as an on-the-fly patch is, so
/// both paths give the same cache contents (0.2.1's runs with and without extracted patches gave identical TSVs).
/// The patches are those of <see cref="PatchGrid.Patches"/>: patch k is found by its name <c>patch-&lt;k&gt;</c>.
/// </remarks>
public sealed class ExtractedPatchSource : IPatchSource
{
    private readonly PatchGrid grid;
    private readonly bool normalise;

    /// <summary>Creates the source for patches cut with <paramref name="grid"/>; <paramref name="normalise"/> is false with <c>-un/--unnormalize</c>.</summary>
    public ExtractedPatchSource(PatchGrid grid, bool normalise)
    {
        this.grid = grid;
        this.normalise = normalise;
    }

    /// <summary>The tensor file of patch <paramref name="k"/> of <paramref name="session"/>.</summary>
    public string File(Session session, int k) => PatchFiles.Path(session.Caps, session.ParticipantId, session.SessionId, grid, k);

    /// <summary>Checks, before anything is read, that every session has its <paramref name="count"/> patch tensors.</summary>
    /// <exception cref="CapsLayoutException">The first missing file, with the command that writes it.</exception>
    public void CheckPresent(IEnumerable<Session> sessions, int count)
    {
        foreach (var session in sessions)
            for (int k = 0; k < count; k++)
            {
                string file = File(session, k);
                if (!System.IO.File.Exists(file))
                    throw new CapsLayoutException(file, $"patch tensor {k} of {session.Key} not found (--use_extracted_patches).",
                        string.Create(CultureInfo.InvariantCulture,
                            $"Make them with: clinicadl extract patch {session.CapsRoot} t1-linear --patch_size {grid.PatchSize} --stride_size {grid.StrideSize}"));
            }
    }

    /// <inheritdoc />
    /// <exception cref="CheckpointException">A file that is not a (1, ps, ps, ps) tensor.</exception>
    /// <exception cref="CapsLayoutException">A patch holding NaN or infinite values.</exception>
    public int Load(Session session, IReadOnlyList<RoiDefinition> rois, IReadOnlyList<Memory<float>> destinations)
    {
        int constant = 0;
        for (int r = 0; r < rois.Count; r++)
        {
            int k = PatchGrid.IndexOf(rois[r].Name);
            if (k < 0)
                throw new ArgumentException($"element \"{rois[r].Name}\" is not a patch of PatchGrid.Patches.", nameof(rois));
            string path = File(session, k);
            var data = ReadPatch(path);
            foreach (float v in data)
                if (!float.IsFinite(v))
                    throw new CapsLayoutException(path, $"patch tensor {k} of {session.Key} holds NaN or infinite values; a network cannot learn from them.",
                        "Extract it again from a finite image (clinicadl extract patch --overwrite).");
            var span = destinations[r].Span;
            if (span.Length != data.Length)
                throw new ArgumentException($"destination {r} holds {span.Length} values; a patch has {data.Length}.", nameof(destinations));
            data.CopyTo(span);
            if (normalise && !RoiExtractor.MinMaxNormalise(span)) constant++;
        }
        return constant;
    }

    /// <summary>Reads one patch tensor, which must be <c>(1, ps, ps, ps)</c>, as float32 values in C order.</summary>
    private float[] ReadPatch(string path)
    {
        using var scope = NewDisposeScope();
        var t = PyTorchFile.LoadTensor(path);
        long ps = grid.PatchSize;
        if (!t.shape.SequenceEqual([1, ps, ps, ps]))
            throw new CheckpointException(path, string.Create(CultureInfo.InvariantCulture,
                $"holds a tensor of shape ({string.Join(", ", t.shape)}); --patch_size {ps} needs a patch (1, {ps}, {ps}, {ps})."));
        return t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }
}
