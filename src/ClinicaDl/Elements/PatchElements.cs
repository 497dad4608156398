using System.Globalization;
using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using static TorchSharp.torch;

namespace ClinicaDl.Elements;

/// <summary>The patch mode's elements (spec modes §4): every patch of <see cref="Grid"/> cut in one pass from one read of
/// the image, or read from the tensors of <c>clinicadl extract patch</c> (<c>--use_extracted_patches</c>, §4.2).</summary>
/// <remarks>
/// Patch k is <see cref="PatchGrid.Box"/>(k) of the cropped t1-linear grid, min-max normalised on its own unless
/// <c>-un</c>. Extracted files hold the raw patch, normalised here in the same way, so both paths give the same cache
/// contents (0.2.1's runs with and without extracted patches gave identical TSVs).
/// </remarks>
public sealed class PatchElements : IElementSet
{
    private readonly IReadOnlyList<RoiDefinition> patches;
    private readonly IReadOnlyList<int> imageShape;
    private readonly bool normalise;
    private readonly bool extracted;

    /// <summary>Creates the set of the patches of <paramref name="grid"/> in images of <paramref name="imageShape"/>.</summary>
    /// <param name="grid">Patch side and stride (validated).</param>
    /// <param name="imageShape">The image grid every session shares (169×208×179).</param>
    /// <param name="normalise">False with <c>-un/--unnormalize</c>.</param>
    /// <param name="extracted"><c>--use_extracted_patches</c>: read patch tensors instead of cutting the image.</param>
    public PatchElements(PatchGrid grid, IReadOnlyList<int> imageShape, bool normalise, bool extracted)
    {
        Grid = grid;
        this.imageShape = imageShape;
        this.normalise = normalise;
        this.extracted = extracted;
        patches = grid.Patches(imageShape);
    }

    /// <summary>Patch side and stride.</summary>
    public PatchGrid Grid { get; }

    /// <inheritdoc />
    public int Count => patches.Count;

    /// <inheritdoc />
    public string Level => "patch";

    /// <inheritdoc />
    public string Noun => "patch";

    /// <inheritdoc />
    public int Channels => 1;

    /// <inheritdoc />
    public string Name(int k) => patches[k].Name;

    /// <inheritdoc />
    public int[] Shape(int k) => patches[k].Shape;

    /// <inheritdoc />
    public int[]? Origin(int k) => [patches[k].Box.LoX, patches[k].Box.LoY, patches[k].Box.LoZ];

    /// <summary>The tensor file of patch <paramref name="k"/> of <paramref name="session"/> (<c>--use_extracted_patches</c>).</summary>
    public string File(Session session, int k) => PatchFiles.Path(session.Caps, session.ParticipantId, session.SessionId, Grid, k);

    /// <summary>Checks, before anything is read, that every session has its patch tensors.</summary>
    /// <exception cref="CapsLayoutException">The first missing file, with the command that writes it.</exception>
    public void CheckExtracted(IEnumerable<Session> sessions)
    {
        foreach (var session in sessions)
            for (int k = 0; k < Count; k++)
            {
                string file = File(session, k);
                if (!System.IO.File.Exists(file))
                    throw new CapsLayoutException(file, $"patch tensor {k} of {session.Key} not found (--use_extracted_patches).",
                        string.Create(CultureInfo.InvariantCulture,
                            $"Make them with: clinicadl extract patch {session.CapsRoot} t1-linear --patch_size {Grid.PatchSize} --stride_size {Grid.StrideSize}"));
            }
    }

    /// <inheritdoc />
    public int Load(Session session, IReadOnlyList<Memory<float>> destinations)
    {
        if (destinations.Count != Count)
            throw new ArgumentException($"{destinations.Count} destinations for {Count} patches.", nameof(destinations));
        return extracted ? LoadExtracted(session, destinations) : Cut(session, destinations);
    }

    private int Cut(Session session, IReadOnlyList<Memory<float>> destinations)
    {
        var (path, data, shape) = CapsImages.Read(session);
        if (!shape.SequenceEqual(imageShape))
            throw new CapsLayoutException(path, $"image of {session.Key} is {string.Join("×", shape)}; the run's patches are laid out on {string.Join("×", imageShape)}.");
        int constant = 0;
        for (int k = 0; k < Count; k++)
        {
            var span = destinations[k].Span;
            RoiExtractor.Extract(data, shape, patches[k], normalise: false, span);
            // Checked before normalisation: an infinite voxel would make the range infinite and the patch zeros, as if constant.
            if (!AllFinite(span))
                throw new CapsLayoutException(path, $"patch {k} of {session.Key} holds NaN or infinite values; a network cannot learn from them.",
                    "Check the image (clinica's t1-linear outputs hold finite values).");
            if (normalise && !RoiExtractor.MinMaxNormalise(span)) constant++;
        }
        return constant;
    }

    private int LoadExtracted(Session session, IReadOnlyList<Memory<float>> destinations)
    {
        int constant = 0;
        for (int k = 0; k < Count; k++)
        {
            string path = File(session, k);
            var span = destinations[k].Span;
            ReadPatch(path, span);
            if (!AllFinite(span))
                throw new CapsLayoutException(path, $"patch tensor {k} of {session.Key} holds NaN or infinite values; a network cannot learn from them.",
                    "Extract it again from a finite image (clinicadl extract patch --overwrite).");
            if (normalise && !RoiExtractor.MinMaxNormalise(span)) constant++;
        }
        return constant;
    }

    /// <summary>Reads one patch tensor, which must be <c>(1, ps, ps, ps)</c>, into <paramref name="destination"/> (C order).</summary>
    /// <exception cref="CheckpointException">A file that is not such a tensor.</exception>
    private void ReadPatch(string path, Span<float> destination)
    {
        using var scope = NewDisposeScope();
        var t = PyTorchFile.LoadTensor(path);
        long ps = Grid.PatchSize;
        if (!t.shape.SequenceEqual([1, ps, ps, ps]))
            throw new CheckpointException(path, string.Create(CultureInfo.InvariantCulture,
                $"holds a tensor of shape ({string.Join(", ", t.shape)}); --patch_size {ps} needs a patch (1, {ps}, {ps}, {ps})."));
        var values = t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        if (values.Length != destination.Length)
            throw new ArgumentException($"destination holds {destination.Length} values; a patch has {values.Length}.", nameof(destination));
        values.CopyTo(destination);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}
