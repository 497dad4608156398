using ScottPlot;

namespace ClinicaDl.Outputs.Plots;

/// <summary>matplotlib's <c>coolwarm</c> colormap: Kenneth Moreland's cool-to-warm diverging map ("Diverging Color Maps for
/// Scientific Visualization", 2009), blue through light grey to red, as a 256-entry lookup table.</summary>
/// <remarks>
/// Built from the published definition: the two endpoints in Moreland's Msh space (the polar form of CIELAB with a D65 white),
/// M = 80, s = 1.08, h = −1.1 (blue) and h = 0.5 (red), interpolated through an unsaturated white of M = 88 with his hue
/// adjustment, sampled at 33 evenly spaced points, then linearly interpolated in sRGB to 256 entries (matplotlib keeps the same
/// 33 samples and resamples them to 256). A value is looked up as matplotlib does: entry ⌊256 x⌋ of the normalised value x,
/// clipped to the first and last entries.
/// </remarks>
internal sealed class Coolwarm : IColormap
{
    /// <summary>The shared table (immutable once built).</summary>
    public static Coolwarm Instance { get; } = new();

    /// <summary>Entries of the table.</summary>
    internal const int Entries = 256;

    private const int Samples = 33;
    private const double WhiteX = 0.95047, WhiteY = 1.0, WhiteZ = 1.08883; // D65, as Moreland's conversions

    private readonly byte[] table = Build();

    /// <inheritdoc />
    public string Name => "coolwarm";

    /// <summary>The colour of normalised value <paramref name="normalizedIntensity"/> (0 is blue, 0.5 grey, 1 red; outside [0, 1] clipped; NaN white).</summary>
    public Color GetColor(double normalizedIntensity)
    {
        if (double.IsNaN(normalizedIntensity)) return Colors.White;
        int i = (int)Math.Clamp(Math.Floor(normalizedIntensity * Entries), 0, Entries - 1);
        return new Color(table[3 * i], table[3 * i + 1], table[3 * i + 2]);
    }

    private static byte[] Build()
    {
        var samples = Enumerable.Range(0, Samples).Select(k => Diverging((double)k / (Samples - 1))).ToArray();
        var bytes = new byte[3 * Entries];
        for (int i = 0; i < Entries; i++)
        {
            double position = (double)i / (Entries - 1) * (Samples - 1);
            int k = Math.Min((int)position, Samples - 2);
            double t = position - k;
            var (a, b) = (samples[k], samples[k + 1]);
            bytes[3 * i] = ToByte(a.R + t * (b.R - a.R));
            bytes[3 * i + 1] = ToByte(a.G + t * (b.G - a.G));
            bytes[3 * i + 2] = ToByte(a.B + t * (b.B - a.B));
        }
        return bytes;
    }

    /// <summary>A channel in [0, 1] as a byte, truncated as matplotlib converts its table (<c>(lut * 255).astype(uint8)</c>).</summary>
    private static byte ToByte(double v) => (byte)Math.Clamp(Math.Floor(v * 255), 0, 255);

    /// <summary>Moreland's diverging interpolation between the cool and warm endpoints at <paramref name="t"/> ∈ [0, 1], in sRGB.</summary>
    private static (double R, double G, double B) Diverging(double t)
    {
        (double M, double S, double H) cool = (80, 1.08, -1.1), warm = (80, 1.08, 0.5);
        // Both ends are saturated and more than π/3 apart in hue: pass through white (M = max(M1, M2, 88), s = 0).
        var white = (M: Math.Max(Math.Max(cool.M, warm.M), 88), S: 0.0, H: 0.0);
        (double M, double S, double H) from, to;
        if (t < 0.5)
        {
            (from, to) = (cool, white);
            t *= 2;
        }
        else
        {
            (from, to) = (white, warm);
            t = 2 * t - 1;
        }
        // An unsaturated end takes the saturated end's hue, spun so that the hue changes evenly in perception.
        if (from.S < 0.05 && to.S > 0.05) from.H = AdjustHue(to, from.M);
        else if (to.S < 0.05 && from.S > 0.05) to.H = AdjustHue(from, to.M);
        return MshToRgb(from.M + t * (to.M - from.M), from.S + t * (to.S - from.S), from.H + t * (to.H - from.H));
    }

    private static double AdjustHue((double M, double S, double H) saturated, double unsaturatedM)
    {
        if (saturated.M >= unsaturatedM) return saturated.H;
        double spin = saturated.S * Math.Sqrt(unsaturatedM * unsaturatedM - saturated.M * saturated.M) / (saturated.M * Math.Sin(saturated.S));
        return saturated.H > -Math.PI / 3 ? saturated.H + spin : saturated.H - spin;
    }

    /// <summary>Msh → CIELAB → XYZ (D65) → linear sRGB → sRGB, each in [0, 1].</summary>
    private static (double R, double G, double B) MshToRgb(double m, double s, double h)
    {
        double l = m * Math.Cos(s), a = m * Math.Sin(s) * Math.Cos(h), b = m * Math.Sin(s) * Math.Sin(h);
        double fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - b / 200;
        double x = LabInverse(fx) * WhiteX, y = LabInverse(fy) * WhiteY, z = LabInverse(fz) * WhiteZ;
        // The inverse of the sRGB (D65) primaries matrix.
        double r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
        double g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
        double bl = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
        return (Gamma(r), Gamma(g), Gamma(bl));
    }

    private static double LabInverse(double f) => f * f * f > 0.008856 ? f * f * f : (f - 16.0 / 116) / 7.787;

    private static double Gamma(double c) => c <= 0.0031308 ? 12.92 * c : 1.055 * Math.Pow(c, 1 / 2.4) - 0.055;
}
