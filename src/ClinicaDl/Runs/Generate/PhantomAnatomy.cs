using ClinicaDl.Common;

namespace ClinicaDl.Runs.Generate;

/// <summary>The parameters of one synthetic brain: shape, position, structure sizes and tissue intensities.</summary>
/// <remarks>
/// <see cref="Template"/> is the average brain (used for the masks); <see cref="Draw"/> gives a subject with
/// smooth, plausible variation: per-axis scaling of ±3 %, a shift of about 1.5 mm, ventricles ±20 %,
/// hippocampi ±10 %, cortical thickness, tissue contrast ±3 %, and a linear bias field of a few percent.
/// </remarks>
public sealed record PhantomAnatomy(
    double ScaleX, double ScaleY, double ScaleZ,
    double ShiftX, double ShiftY, double ShiftZ,
    double VentricleFactor, double HippocampusFactor, double CortexThickness,
    double WhiteMatter, double GreyMatter, double Csf,
    double BiasX, double BiasY, double BiasZ,
    double FoldPhaseX, double FoldPhaseY, double FoldPhaseZ,
    double NoiseSigma)
{
    /// <summary>The average anatomy, without noise.</summary>
    public static PhantomAnatomy Template { get; } = new(
        1, 1, 1, 0, 0, 0, 1, 1, 0.065, 110, 70, 28, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>A subject drawn around the template.</summary>
    public static PhantomAnatomy Draw(RandomSource rng)
    {
        double G(double sd, double limit) => Math.Clamp(rng.NextGaussian() * sd, -limit, limit);
        return new PhantomAnatomy(
            1 + G(0.03, 0.08), 1 + G(0.03, 0.08), 1 + G(0.03, 0.08),
            G(1.5, 4), G(1.5, 4), G(1.5, 4),
            1 + G(0.2, 0.45), 1 + G(0.1, 0.25), 0.065 * (1 + G(0.1, 0.25)),
            110 * (1 + G(0.03, 0.08)), 70 * (1 + G(0.03, 0.08)), 28 * (1 + G(0.05, 0.15)),
            G(0.03, 0.08), G(0.03, 0.08), G(0.03, 0.08),
            rng.NextDouble(0, 2 * Math.PI), rng.NextDouble(0, 2 * Math.PI), rng.NextDouble(0, 2 * Math.PI),
            2.0);
    }
}
