using ClinicaDl.Nifti;

namespace ClinicaDl.QualityCheck;

/// <summary>The input of the t1-linear quality-check network: three central slices of a whole (uncropped) image, each
/// normalised, resized into a 256×256 square, cropped to 224×224 and turned (verbs spec §7.1, 0.2.1's <c>nii_transform</c>).</summary>
public static class QcSlices
{
    /// <summary>Side of the network's input slices.</summary>
    public const int Side = 224;

    private const int Canvas = 256, Margin = 16;

    /// <summary>The (3, 224, 224) input of one image, row-major: axial (k = Z/2), sagittal (i = X/2), coronal (j = Y/2).</summary>
    /// <remarks>Intensities are min-max scaled over the whole volume to [−0.5, 0.5] in float32 as 0.2.1 does. Each view is
    /// flipped on its first axis, resized bilinearly by f = min(256/H, 256/W) to round(H·f)×round(W·f) (scipy's
    /// <c>zoom(order=1, mode="grid-constant", grid_mode=True)</c>, which scikit-image's <c>rescale</c> calls: output pixel o
    /// samples input coordinate (o + 0.5)·in/out − 0.5, outside samples counting as 0), centred on a 256×256 zero canvas,
    /// cropped to [16, 240)², rotated a quarter turn counter-clockwise and mirrored left-right.</remarks>
    public static float[] From(NiftiImage image)
    {
        float[] v = image.Data;
        int x = image.SizeX, y = image.SizeY, z = image.SizeZ;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float value in v)
        {
            if (value < min) min = value;
            if (value > max) max = value;
        }
        float scale = 1f / (max - min);
        float Norm(int i, int j, int k) => (v[i + x * (j + y * k)] - min) * scale - 0.5f;

        var result = new float[3 * Side * Side];
        var views = new (int H, int W, Func<int, int, float> At)[]
        {
            (x, y, (a, b) => Norm(a, b, z / 2)),
            (y, z, (a, b) => Norm(x / 2, a, b)),
            (x, z, (a, b) => Norm(a, y / 2, b)),
        };
        for (int view = 0; view < 3; view++)
        {
            var (h, w, at) = views[view];
            var slice = new double[h * w];
            for (int a = 0; a < h; a++)
                for (int b = 0; b < w; b++)
                    slice[a * w + b] = at(h - 1 - a, b); // s[::-1, :]
            double f = Math.Min((double)Canvas / h, (double)Canvas / w);
            int outH = (int)Math.Round(h * f, MidpointRounding.ToEven), outW = (int)Math.Round(w * f, MidpointRounding.ToEven);
            var resized = Resize(slice, h, w, outH, outW);
            var canvas = new double[Canvas * Canvas];
            int top = (Canvas - outH) / 2, left = (Canvas - outW) / 2;
            for (int a = 0; a < outH; a++)
                for (int b = 0; b < outW; b++)
                    canvas[(top + a) * Canvas + left + b] = resized[a * outW + b];
            // out = fliplr(rot90(crop)): out[i, j] = crop[223 − j, 223 − i].
            int offset = view * Side * Side;
            for (int i = 0; i < Side; i++)
                for (int j = 0; j < Side; j++)
                    result[offset + i * Side + j] = (float)canvas[(Margin + Side - 1 - j) * Canvas + Margin + Side - 1 - i];
        }
        return result;
    }

    /// <summary>Bilinear resize of an H×W array to outH×outW with scipy's grid-mode mapping and zeros outside.</summary>
    public static double[] Resize(double[] input, int h, int w, int outH, int outW)
    {
        var result = new double[outH * outW];
        double ry = (double)h / outH, rx = (double)w / outW;
        double At(int a, int b) => a < 0 || a >= h || b < 0 || b >= w ? 0 : input[a * w + b];
        for (int o = 0; o < outH; o++)
        {
            double cy = (o + 0.5) * ry - 0.5;
            int y0 = (int)Math.Floor(cy);
            double fy = cy - y0;
            for (int p = 0; p < outW; p++)
            {
                double cx = (p + 0.5) * rx - 0.5;
                int x0 = (int)Math.Floor(cx);
                double fx = cx - x0;
                result[o * outW + p] = (1 - fy) * ((1 - fx) * At(y0, x0) + fx * At(y0, x0 + 1))
                                     + fy * ((1 - fx) * At(y0 + 1, x0) + fx * At(y0 + 1, x0 + 1));
            }
        }
        return result;
    }
}
