using ClinicaDl.Caps;
using ClinicaDl.Common;

namespace ClinicaDl.Runs.Generate;

/// <summary>A deterministic, brain-like T1-weighted phantom on the cropped t1-linear grid (169×208×179, 1 mm).</summary>
/// <remarks>
/// Tissues, from outside in: background, scalp (bright), skull (dark), CSF, a folded grey-matter cortex with
/// CSF-filled sulci and an interhemispheric fissure, white matter, lateral ventricles, deep grey nuclei, and two
/// hippocampi (grey matter, with the temporal horn of the ventricle beside them) centred on ClinicaDL's default
/// hippocampus cubes, so that those cubes hold anatomy. Intensities follow T1 contrast (WM &gt; GM &gt; CSF).
/// Voxels are stored with i fastest (index = i + X·(j + Y·k)); i grows to the subject's right (RAS affine),
/// so the right hippocampus (roi 0, centre i = 109) lies at positive x as in MNI space.
/// </remarks>
public static class BrainPhantom
{
    /// <summary>The grid shape (X, Y, Z).</summary>
    public static int[] Shape => [.. CapsLayout.CroppedShape];

    /// <summary>An MNI-like affine of the cropped grid: 1 mm, RAS, voxel (84, 120, 72) at the origin.</summary>
    public static double[,] Affine => new double[,]
    {
        { 1, 0, 0, -84 },
        { 0, 1, 0, -120 },
        { 0, 0, 1, -72 },
        { 0, 0, 0, 1 },
    };

    /// <summary>The brain centre in voxels.</summary>
    private const double Cx = 84, Cy = 104, Cz = 92;

    /// <summary>Brain ellipsoid semi-axes (voxels).</summary>
    private const double Rx = 66, Ry = 86, Rz = 70;

    /// <summary>Tissue classes of the phantom.</summary>
    public enum Tissue : byte
    {
        /// <summary>Outside the head.</summary>
        Background,
        /// <summary>Scalp.</summary>
        Scalp,
        /// <summary>Skull.</summary>
        Skull,
        /// <summary>Cerebrospinal fluid (outside the brain, sulci, fissure, ventricles).</summary>
        Csf,
        /// <summary>Cortical and deep grey matter, hippocampi.</summary>
        GreyMatter,
        /// <summary>White matter.</summary>
        WhiteMatter,
    }

    /// <summary>The T1-weighted image of <paramref name="anatomy"/>, with noise drawn from <paramref name="rng"/> when its sigma is positive.</summary>
    public static float[] Image(PhantomAnatomy anatomy, RandomSource? rng = null)
    {
        int[] s = Shape;
        var data = new float[s[0] * s[1] * s[2]];
        for (int k = 0; k < s[2]; k++)
            for (int j = 0; j < s[1]; j++)
            {
                int row = s[0] * (j + s[1] * k);
                for (int i = 0; i < s[0]; i++)
                {
                    var tissue = Classify(anatomy, i, j, k, out bool deep);
                    double value = tissue switch
                    {
                        Tissue.Background => 0,
                        Tissue.Scalp => 0.8 * anatomy.WhiteMatter,
                        Tissue.Skull => 0.12 * anatomy.WhiteMatter,
                        Tissue.Csf => anatomy.Csf,
                        Tissue.GreyMatter => deep ? 0.5 * (anatomy.GreyMatter + anatomy.WhiteMatter) : anatomy.GreyMatter,
                        _ => anatomy.WhiteMatter,
                    };
                    if (tissue != Tissue.Background)
                    {
                        double bias = 1 + anatomy.BiasX * (i - Cx) / Rx + anatomy.BiasY * (j - Cy) / Ry + anatomy.BiasZ * (k - Cz) / Rz;
                        value *= bias;
                    }
                    if (rng is not null && anatomy.NoiseSigma > 0)
                        value = Math.Abs(value + anatomy.NoiseSigma * rng.NextGaussian());
                    // Whole numbers, as scanners store them: the files then compress as real ones do (3–4×).
                    data[row + i] = (float)Math.Round(value);
                }
            }
        return data;
    }

    /// <summary>A binary mask (1 inside) of the template's grey matter in one hemisphere.</summary>
    /// <param name="left">True for the left hemisphere (i ≤ 84, negative x), false for the right (i ≥ 85).</param>
    public static byte[] HemisphereGreyMatterMask(bool left)
    {
        int[] s = Shape;
        var mask = new byte[s[0] * s[1] * s[2]];
        var template = PhantomAnatomy.Template;
        for (int k = 0; k < s[2]; k++)
            for (int j = 0; j < s[1]; j++)
                for (int i = 0; i < s[0]; i++)
                {
                    if (left ? i > Cx : i <= Cx) continue;
                    if (Classify(template, i, j, k, out _) == Tissue.GreyMatter)
                        mask[i + s[0] * (j + s[1] * k)] = 1;
                }
        return mask;
    }

    /// <summary>A binary box mask: 1 on [lo, hi) along each axis.</summary>
    public static byte[] BoxMask(int[] lo, int[] hi)
    {
        int[] s = Shape;
        var mask = new byte[s[0] * s[1] * s[2]];
        for (int k = lo[2]; k < hi[2]; k++)
            for (int j = lo[1]; j < hi[1]; j++)
                for (int i = lo[0]; i < hi[0]; i++)
                    mask[i + s[0] * (j + s[1] * k)] = 1;
        return mask;
    }

    /// <summary>The tissue at voxel (i, j, k) of <paramref name="a"/>; <paramref name="deep"/> marks deep grey nuclei.</summary>
    public static Tissue Classify(PhantomAnatomy a, int i, int j, int k, out bool deep)
    {
        deep = false;
        // Subject space → template space: undo the subject's shift and scaling around the brain centre.
        double x = (i - Cx - a.ShiftX) / a.ScaleX;
        double y = (j - Cy - a.ShiftY) / a.ScaleY;
        double z = (k - Cz - a.ShiftZ) / a.ScaleZ;
        double d = Math.Sqrt(x * x / (Rx * Rx) + y * y / (Ry * Ry) + z * z / (Rz * Rz));
        if (d > 1.26) return Tissue.Background;
        if (d > 1.16) return Tissue.Scalp;
        if (d > 1.08) return Tissue.Skull;

        // Gyri: the brain surface undulates by a few millimetres.
        double fold = Math.Sin(0.21 * x + a.FoldPhaseX) * Math.Sin(0.19 * y + a.FoldPhaseY) * Math.Sin(0.23 * z + a.FoldPhaseZ);
        double surface = 1 + 0.03 * fold;
        if (d > surface) return Tissue.Csf;
        // Interhemispheric fissure above the deep structures.
        if (Math.Abs(x) < 1.2 && z > -10 && d > 0.45) return Tissue.Csf;

        // Hippocampi (on the default cubes' centres) and the temporal horns beside them.
        foreach (double side in (ReadOnlySpan<double>)[1.0, -1.0])
        {
            double hx = x - side * 24, hy = y + 8, hz = z + 24;
            // Long axis along y, tilted upwards towards the back by about 20°.
            double ry = 0.94 * hy - 0.34 * hz, rz = 0.34 * hy + 0.94 * hz;
            double f = a.HippocampusFactor;
            double h = hx * hx / (7.0 * 7.0 * f) + ry * ry / (18.0 * 18.0 * f) + rz * rz / (6.5 * 6.5 * f);
            if (h <= 1) return Tissue.GreyMatter;
            double tx = hx - side * 6.5, tz = rz - 5.5;
            double horn = tx * tx / (2.5 * 2.5 * a.VentricleFactor) + ry * ry / (15.0 * 15.0) + tz * tz / (2.0 * 2.0 * a.VentricleFactor);
            if (horn <= 1) return Tissue.Csf;
        }

        // Lateral ventricles.
        foreach (double side in (ReadOnlySpan<double>)[1.0, -1.0])
        {
            double vx = x - side * 9, vy = y - 4, vz = z - 10;
            double v = a.VentricleFactor;
            if (vx * vx / (5.0 * 5.0 * v) + vy * vy / (24.0 * 24.0) + vz * vz / (8.0 * 8.0 * v) <= 1) return Tissue.Csf;
        }

        // Deep grey nuclei (thalamus, basal ganglia).
        foreach (double side in (ReadOnlySpan<double>)[1.0, -1.0])
        {
            double gx = x - side * 15, gy = y - 2, gz = z + 2;
            if (gx * gx / (8.0 * 8.0) + gy * gy / (15.0 * 15.0) + gz * gz / (9.0 * 9.0) <= 1)
            {
                deep = true;
                return Tissue.GreyMatter;
            }
        }

        // Cortex: a grey band under the surface whose inner border folds too (white-matter fingers into the gyri),
        // cut by CSF-filled sulci running from the surface into the band.
        double inner = surface - a.CortexThickness * (1.1 + 0.6 * Math.Sin(0.31 * x + 2 * a.FoldPhaseY) * Math.Sin(0.27 * y + 2 * a.FoldPhaseZ) * Math.Sin(0.29 * z + 2 * a.FoldPhaseX));
        if (d > inner)
        {
            double sulcus = Math.Sin(0.17 * x + 0.13 * y + a.FoldPhaseZ) * Math.Sin(0.15 * z - 0.11 * y + a.FoldPhaseX) * Math.Sin(0.12 * x + 0.14 * z + a.FoldPhaseY);
            return Math.Abs(sulcus) < 0.04 && d > inner + 0.3 * (surface - inner) ? Tissue.Csf : Tissue.GreyMatter;
        }
        return Tissue.WhiteMatter;
    }
}
