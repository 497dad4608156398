using ClinicaDl.Cli.Console;

namespace ClinicaDl.Cli;

/// <summary>What every verb needs from the process: where to print, how much, and the interrupt token.</summary>
/// <param name="Output">stdout (result lines, plain progress).</param>
/// <param name="Error">stderr (errors, plain warnings).</param>
/// <param name="Cancel">Set on SIGINT/SIGTERM.</param>
internal sealed record CliContext(TextWriter Output, TextWriter Error, CancellationToken Cancel)
{
    /// <summary>The verbosity of the current command (set once parsing is done).</summary>
    public Verbosity Verbosity { get; set; } = Verbosity.Warning;

    /// <summary>The terminal behind <see cref="Output"/>, when it can host a live display (<see cref="LiveTerminal.Detect"/>); null otherwise.</summary>
    public LiveTerminal? Terminal { get; init; }

    /// <summary>Whether this command shows a live display: a terminal and not <c>--quiet</c>.</summary>
    public bool IsLive => Terminal is not null && Verbosity >= Verbosity.Warning;

    /// <summary>The renderer of the current command: live on a terminal, plain lines otherwise (and with <c>--quiet</c>).</summary>
    public IProgressRenderer Renderer() => IsLive
        ? new LiveProgressRenderer(Terminal!.Console, Terminal.ErrorIsSeparate ? Error : null, Verbosity)
        : new PlainProgressRenderer(Output, Error, Verbosity);
}
