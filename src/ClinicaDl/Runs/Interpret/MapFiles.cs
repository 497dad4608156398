using ClinicaDl.Formats;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Outputs;
using ClinicaDl.Outputs.Plots;

namespace ClinicaDl.Runs.Interpret;

/// <summary>Writes saliency maps as ClinicaDL 0.2.1 names and shapes them (spec verbs §4.5): 3-D maps as <c>&lt;stem&gt;.nii.gz</c>,
/// 2-D maps as <c>&lt;stem&gt;.jpg</c> (<see cref="SaliencyFigure"/>), each beside <c>&lt;stem&gt;.npy</c>.</summary>
/// <param name="Shape">The spatial shape of an element: (X, Y, Z), or (H, W) for slices and phantoms.</param>
/// <param name="Channels">Channels of an element (3 for slices, else 1).</param>
/// <param name="Affine">The NIfTI affine of 3-D maps.</param>
/// <param name="VMax">The colour range [−vmax, vmax] of 2-D maps.</param>
internal sealed record MapFiles(int[] Shape, int Channels, Affine Affine, double VMax)
{
    /// <summary>True for 2-D elements (<c>map.jpg</c>), false for 3-D ones (<c>map.nii.gz</c>).</summary>
    public bool Planar => Shape.Length == 2;

    /// <summary>Values in one channel of an element.</summary>
    public int Voxels => Shape.Aggregate(1, (a, b) => a * b);

    /// <summary>A group map: <c>M[0]</c>, the first channel of the mean gradient (<paramref name="channel0"/>), as
    /// <c>.nii.gz</c> or <c>.jpg</c> and as <c>.npy</c> of the spatial shape.</summary>
    public void WriteGroup(string folder, string stem, ReadOnlySpan<float> channel0)
    {
        WriteImage(folder, stem, channel0);
        NpyWriter.Write(Path.Combine(folder, stem + ".npy"), Shape, channel0);
    }

    /// <summary>One element's map <c>g_i</c> (every channel): its first channel as <c>.nii.gz</c> or <c>.jpg</c>, all of it as
    /// <c>.npy</c> of shape (C, …) — 0.2.1 keeps the channel axis in individual maps.</summary>
    public void WriteIndividual(string folder, string stem, ReadOnlySpan<float> gradient)
    {
        WriteImage(folder, stem, gradient[..Voxels]);
        NpyWriter.Write(Path.Combine(folder, stem + ".npy"), [Channels, .. Shape], gradient);
    }

    private void WriteImage(string folder, string stem, ReadOnlySpan<float> map)
    {
        if (Planar)
            AtomicFile.WriteAllBytes(Path.Combine(folder, stem + ".jpg"), SaliencyFigure.Jpeg(map, Shape[0], Shape[1], VMax));
        else
            WriteNifti(Path.Combine(folder, stem + ".nii.gz"), map);
    }

    /// <summary>Writes a map held in C order (x slowest, as the tensors) as a NIfTI image (Fortran order).</summary>
    private void WriteNifti(string path, ReadOnlySpan<float> map) => NiftiWriter.Write(path, Shape, ReconstructionWriter.ToNiftiOrder(map.ToArray(), Shape), Affine);
}
