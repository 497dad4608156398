using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClinicaDl.Cli.Console;

/// <summary>A line written above a live display: it first erases the screen below the cursor, then ends with a line break.</summary>
/// <remarks>
/// Spectre.Console 0.57 redraws its live area by moving the cursor up and overwriting, without erasing. A line written
/// there overwrites the old frame only as far as the line reaches, so a message that wrapped onto a second line left the
/// rest of an old bar behind it. Erasing below the cursor first removes the remnants; the live area is redrawn right after.
/// Without a live display there is nothing below the cursor, and the erase does nothing.
/// </remarks>
internal sealed class ClearingLine(IRenderable content) : IRenderable
{
    /// <summary>A line of plain text (no markup).</summary>
    public ClearingLine(string text) : this(new Text(text)) { }

    public Measurement Measure(RenderOptions options, int maxWidth) => content.Measure(options, maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        yield return Segment.Control("\u001b[0J");
        foreach (var segment in content.Render(options, maxWidth)) yield return segment;
        yield return Segment.LineBreak;
    }
}
