using ClinicaDl.Common;

namespace ClinicaDl.Generate;

/// <summary>The 2-D Shepp–Logan-like phantom of <c>clinicadl generate shepplogan</c> (verbs spec §6.1), ellipse by ellipse.</summary>
/// <remarks>
/// <para>
/// Geometry as ClinicaDL 0.2.1 draws it, centre <c>c0 = (S + 1) / 2</c> included (one pixel below/right of the array
/// centre, V23, mirrored because it defines the data): a skull (1.0), a brain (0.2), a central ellipse, ROI 1 in the upper
/// part and three ROI-2 ellipses in the lower part (one shared grey level drawn in [0.4, 0.6]), and two ventricles
/// (0.0), each step painting over the previous ones. Subtypes differ only by the sizes of ROI 1 and ROI 2: 0 = both
/// large, 1 = ROI 2 small, 2 = ROI 1 small. Optional Gaussian smoothing as scipy's <c>gaussian_filter</c> (mode
/// <c>reflect</c>, truncate 4).
/// </para>
/// <para>
/// Random draws come from a seeded <see cref="RandomSource"/> (0.2.1 is unseeded), in 0.2.1's order, so the distributions
/// are the same but the draws are not Python's.
/// </para>
/// </remarks>
public static class SheppLoganPhantom
{
    /// <summary>Number of subtypes (0, 1, 2).</summary>
    public const int Subtypes = 3;

    /// <summary>Draws one S×S phantom, row-major (<c>[r * S + c]</c>; rows are the first array index).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 1 or the subtype is not 0, 1 or 2.</exception>
    public static double[] Draw(int size, int subtype, bool smoothing, RandomSource rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (subtype is < 0 or >= Subtypes)
            throw new ArgumentOutOfRangeException(nameof(subtype), subtype, "Subtype must be 0, 1 or 2.");
        var img = new double[size * size];
        double s = size, c0 = (s + 1) / 2, a = c0 - 2, b = 2 * c0 / 3 - 2;
        double color = rng.NextDouble(0.4, 0.6);
        bool largeRoi1 = subtype != 2, largeRoi2 = subtype != 1;

        (double, double) Scales(bool large) => large
            ? (rng.NextDouble(1, 1.2), rng.NextDouble(1, 1.2))
            : (rng.NextDouble(0.8, 0.9), rng.NextDouble(0.8, 0.9));

        Ellipse(img, size, c0, c0, a, b, 0, 1.0);
        double o = rng.NextDouble(1, s / 32);
        Ellipse(img, size, c0 + o / 2, c0, a - o, b - o, 0, 0.2);

        // Central ellipse, ROI 1, ROI 2a-c: offsets, scales, then the angle, drawn in that order for each.
        void Region(double rowCentre, double colCentre, double rowRadius, double colRadius, bool large)
        {
            double o1 = rng.NextDouble(1, s / 32), o2 = rng.NextDouble(1, s / 32);
            var (s1, s2) = Scales(large);
            double phi = rng.NextDouble(-Math.PI, Math.PI);
            Ellipse(img, size, rowCentre + o1, colCentre + o2, rowRadius * s1, colRadius * s2, phi, color);
        }
        Region(c0, c0, b / 6, b / 6, true);
        Region(0.6 * c0, c0, b / 3, b / 4, largeRoi1);
        Region(1.5 * c0, c0, b / 10, b / 10, largeRoi2);
        Region(1.5 * c0, 1.1 * c0, b / 10, b / 10, largeRoi2);
        Region(1.5 * c0, 0.9 * c0, b / 10, b / 10, largeRoi2);

        double av = a * rng.NextDouble(0.8, 1.2);
        double phi1 = rng.NextDouble(-Math.PI / 16, Math.PI / 16);
        Ellipse(img, size, c0, 0.75 * c0, av / 3, av / 6, Math.PI / 8 + phi1, 0.0);
        av = a * rng.NextDouble(0.8, 1.2);
        double phi2 = rng.NextDouble(-Math.PI / 16, Math.PI / 16);
        Ellipse(img, size, c0, 1.25 * c0, av / 3, av / 6, -Math.PI / 8 + phi2, 0.0);

        if (smoothing)
        {
            double sigma = rng.NextDouble(0, 1);
            img = GaussianFilter(img, size, sigma * s / 100);
        }
        return img;
    }

    /// <summary>Paints <paramref name="value"/> into the pixels strictly inside the ellipse (scikit-image's <c>draw.ellipse</c> with rotation).</summary>
    public static void Ellipse(double[] img, int size, double rowCentre, double colCentre, double rowRadius, double colRadius, double rotation, double value)
    {
        double alpha = rotation % Math.PI;
        if (alpha < 0) alpha += Math.PI; // Python's modulo: the result has the sign of the divisor
        double sin = Math.Sin(alpha), cos = Math.Cos(alpha);
        for (int r = 0; r < size; r++)
        {
            double dr = r - rowCentre;
            for (int c = 0; c < size; c++)
            {
                double dc = c - colCentre;
                double u = (dr * cos + dc * sin) / rowRadius, v = (dr * sin - dc * cos) / colRadius;
                if (u * u + v * v < 1) img[r * size + c] = value;
            }
        }
    }

    /// <summary>scipy's <c>ndimage.gaussian_filter(img, sigma)</c> on a square image: separable, mode <c>reflect</c>, truncate 4.</summary>
    public static double[] GaussianFilter(double[] img, int size, double sigma)
    {
        int radius = (int)(4.0 * sigma + 0.5);
        if (radius == 0 || sigma <= 0) return (double[])img.Clone();
        var kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int x = -radius; x <= radius; x++) sum += kernel[x + radius] = Math.Exp(-0.5 * x * x / (sigma * sigma));
        for (int i = 0; i < kernel.Length; i++) kernel[i] /= sum;
        int Reflect(int i)
        {
            // scipy "reflect" (half-sample symmetric): d c b a | a b c d | d c b a
            int period = 2 * size;
            i %= period;
            if (i < 0) i += period;
            return i < size ? i : period - 1 - i;
        }
        var rows = new double[img.Length];
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                double acc = 0;
                for (int k = -radius; k <= radius; k++) acc += kernel[k + radius] * img[Reflect(r + k) * size + c];
                rows[r * size + c] = acc;
            }
        var result = new double[img.Length];
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
            {
                double acc = 0;
                for (int k = -radius; k <= radius; k++) acc += kernel[k + radius] * rows[r * size + Reflect(c + k)];
                result[r * size + c] = acc;
            }
        return result;
    }
}
