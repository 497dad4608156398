namespace ClinicaDl.Elements;

/// <summary>Cuts ROI patches from an image and normalises them (spec §3.2–3.5); pure functions.</summary>
/// <remarks>
/// Images are stored with i fastest (NIfTI order); patches come out in PyTorch order for a tensor
/// <c>(1, X, Y, Z)</c>, z fastest, so that element <c>[0, x, y, z]</c> is voxel (Lo + x, Lo + y, Lo + z).
/// Every ROI of an image is cut from the same array, so an image is read once for all its ROIs.
/// </remarks>
public static class RoiExtractor
{
    /// <summary>Cuts <paramref name="roi"/> from <paramref name="image"/> (shape <paramref name="imageShape"/>) into <paramref name="patch"/> (C order).</summary>
    /// <returns>False when the result is constant and normalisation had to give zeros (decision 11), so the caller can warn once.</returns>
    public static bool Extract(ReadOnlySpan<float> image, int[] imageShape, RoiDefinition roi, bool normalise, Span<float> patch)
    {
        var b = roi.Box;
        int sx = b.HiX - b.LoX, sy = b.HiY - b.LoY, sz = b.HiZ - b.LoZ;
        if (patch.Length != sx * sy * sz)
            throw new ArgumentException($"patch has {patch.Length} elements; ROI {roi.Name} needs {sx * sy * sz}.", nameof(patch));
        int nx = imageShape[0], ny = imageShape[1];
        var mask = roi.Mask;
        for (int z = 0; z < sz; z++)
        {
            for (int y = 0; y < sy; y++)
            {
                int src = (b.LoX) + nx * ((b.LoY + y) + ny * (b.LoZ + z));
                int dstBase = y * sz + z;
                int maskRow = sx * (y + sy * z);
                for (int x = 0; x < sx; x++)
                {
                    float v = image[src + x];
                    if (mask is not null) v *= mask[maskRow + x];
                    patch[x * sy * sz + dstBase] = v;
                }
            }
        }
        return !normalise || MinMaxNormalise(patch);
    }

    /// <summary>x ← (x − min) / (max − min) over the whole patch; a constant patch becomes zeros.</summary>
    /// <returns>False when the patch was constant (or held non-finite values' range).</returns>
    public static bool MinMaxNormalise(Span<float> patch)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in patch)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float range = max - min;
        if (!(range > 0) || !float.IsFinite(range))
        {
            patch.Clear();
            return false;
        }
        // Same arithmetic as torch: (x - min) / (max - min) in float32.
        for (int i = 0; i < patch.Length; i++)
            patch[i] = (patch[i] - min) / range;
        return true;
    }
}
