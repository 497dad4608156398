using Spectre.Console;

namespace ClinicaDl.Cli.Console;

/// <summary>A terminal on stdout that can show a live display: the Spectre console writing to it.</summary>
/// <param name="Console">The console the live display, its messages and the summary table are written to.</param>
/// <param name="ErrorIsSeparate">stderr is redirected away from the terminal (<c>2&gt;log</c>): warnings go there as plain lines.</param>
internal sealed record LiveTerminal(IAnsiConsole Console, bool ErrorIsSeparate)
{
    /// <summary>Whether stdout can host a live display: it is not redirected and the terminal is not "dumb".</summary>
    public static bool Supports(bool outputRedirected, string? term) => !outputRedirected && term != "dumb";

    /// <summary>The process's terminal, or null when stdout is redirected, TERM is "dumb", or the terminal lacks ANSI or interactivity.</summary>
    /// <remarks>
    /// Spectre's own detection decides the colours and whether the terminal understands ANSI (from TERM); a terminal it
    /// does not recognise gets plain lines rather than Spectre's fallback renderer, so there is one plain format.
    /// </remarks>
    public static LiveTerminal? Detect()
    {
        if (!Supports(System.Console.IsOutputRedirected, Environment.GetEnvironmentVariable("TERM"))) return null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(System.Console.Out),
        });
        var capabilities = console.Profile.Capabilities;
        return capabilities.Ansi && capabilities.Interactive ? new LiveTerminal(console, System.Console.IsErrorRedirected) : null;
    }
}
