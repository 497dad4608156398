using ScottPlot;
using SkiaSharp;

namespace ClinicaDl.Outputs.Plots;

/// <summary>The typeface of every plot: DejaVu Sans embedded in the library, served to ScottPlot under its own family name.</summary>
/// <remarks>
/// HPC nodes and containers often have no fonts at all, and the NoDependencies build of libSkiaSharp finds none there:
/// ScottPlot then draws no text (no tick labels, no legend). Plots therefore never use a system font. ScottPlot looks
/// fonts up through a process-wide resolver list; ours is added once, first, and answers only for <see cref="Family"/>,
/// so other fonts behave as ScottPlot's defaults.
/// </remarks>
internal static class PlotFont
{
    /// <summary>The family name plots ask for.</summary>
    public const string Family = "ClinicaDL Sans";

    private const string ResourceName = "ClinicaDl.Outputs.Plots.DejaVuSans.ttf";

    // Lazy (thread-safe by default): the typeface is decoded and the resolver registered exactly once per process.
    private static readonly Lazy<SKTypeface> Typeface = new(Load);
    private static readonly Lazy<bool> Registration = new(() =>
    {
        lock (Fonts.FontResolvers) Fonts.FontResolvers.Insert(0, new Resolver(Typeface.Value));
        return true;
    });

    /// <summary>Makes <see cref="Family"/> resolvable by ScottPlot (idempotent).</summary>
    /// <exception cref="InvalidOperationException">The embedded font is missing or unreadable (a broken build).</exception>
    public static void EnsureRegistered() => _ = Registration.Value;

    private static SKTypeface Load()
    {
        using var stream = typeof(PlotFont).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded font {ResourceName} is missing from {typeof(PlotFont).Assembly.GetName().Name}.");
        // Not disposed: the typeface refers to these bytes for the life of the process.
        var data = SKData.Create(stream);
        var typeface = SKTypeface.FromData(data);
        if (typeface is null || typeface.GlyphCount == 0)
            throw new InvalidOperationException($"the embedded font {ResourceName} could not be decoded by SkiaSharp.");
        return typeface;
    }

    private sealed class Resolver(SKTypeface typeface) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width)
            => fontName == Family ? typeface : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic)
            => fontName == Family ? typeface : null;
    }
}
