using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Outputs;

/// <summary>Writes autoencoder reconstructions for <c>--visualization</c> (spec §7.8 as intended; decision 7).</summary>
/// <remarks>
/// With the best-loss model: n = elements per image, or 3 × that when it is ≤ 2 (6 with the default cubes); the
/// first n elements of the validation set, then of the train set, in table order (normalised, no augmentation), go to
/// <c>fold-i/autoencoder_reconstruction/{validation,train}/input-k.nii.gz</c> and <c>output-k.nii.gz</c>, float32. The
/// affine places the patch where it was cut from the image (the image's affine shifted to the ROI box), rather than
/// ClinicaDL's identity; it is the identity only when the geometry is unknown (pre-extracted ROI tensors).
/// </remarks>
internal sealed class ReconstructionWriter(ResultsTree tree, PatchCache cache)
{
    public void Write(int fold, NetworkPlan plan, ReconstructionTask task, CancellationToken cancel)
    {
        string path = tree.BestModel(fold, null, "best_loss");
        var checkpoint = PyTorchFile.LoadCheckpoint(path);
        using (NewDisposeScope())
            ModelState.LoadStrict(task.Model, ModelState.FromEntry(checkpoint.GetValueOrDefault("model"), path, "model"), path);
        var set = cache.Elements;
        int perImage = set.Count;
        int n = perImage <= 2 ? 3 * perImage : perImage;
        foreach (var (subset, elements) in new[] { ("validation", plan.Valid), ("train", plan.Train) })
        {
            var chosen = elements.Take(n).ToList();
            var pairs = task.Reconstruct(cache, chosen, cancel);
            string dir = tree.Reconstruction(fold, subset);
            for (int k = 0; k < chosen.Count; k++)
            {
                int element = chosen[k].Element;
                int[] shape = set.Shape(element);
                var affine = ElementAffine(chosen[k], set.Origin(element));
                NiftiWriter.Write(Path.Combine(dir, $"input-{k}.nii.gz"), shape, ToNiftiOrder(pairs[k].Input, shape), affine);
                NiftiWriter.Write(Path.Combine(dir, $"output-{k}.nii.gz"), shape, ToNiftiOrder(pairs[k].Output, shape), affine);
            }
        }
        task.Model.Dispose();
    }

    /// <summary>The image's affine moved to the element's first voxel; identity when the element has no known geometry.</summary>
    private static Affine ElementAffine(ElementSample sample, int[]? origin)
    {
        if (origin is null) return Affine.Identity;
        string nifti = sample.Session.Caps.ImagePath(sample.Session.ParticipantId, sample.Session.SessionId);
        if (!File.Exists(nifti)) return Affine.Identity;
        var a = NiftiReader.ReadHeader(nifti).Affine.ToArray();
        double[] lo = [origin[0], origin[1], origin[2]];
        for (int r = 0; r < 3; r++)
            a[r, 3] += a[r, 0] * lo[0] + a[r, 1] * lo[1] + a[r, 2] * lo[2];
        return new Affine(a);
    }

    /// <summary>C order (z fastest, as tensors) to NIfTI order (i fastest).</summary>
    internal static float[] ToNiftiOrder(float[] c, int[] shape)
    {
        int nx = shape[0], ny = shape[1], nz = shape[2];
        var f = new float[c.Length];
        for (int x = 0; x < nx; x++)
            for (int y = 0; y < ny; y++)
                for (int z = 0; z < nz; z++)
                    f[x + nx * (y + ny * z)] = c[(x * ny + y) * nz + z];
        return f;
    }
}
