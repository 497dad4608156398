using ClinicaDl.Cli.Console;

namespace ClinicaDl.Cli;

/// <summary>What every verb needs from the process: where to print, how much, and the interrupt token.</summary>
internal sealed record CliContext(TextWriter Output, TextWriter Error, CancellationToken Cancel)
{
    /// <summary>The verbosity of the current command (set once parsing is done).</summary>
    public Verbosity Verbosity { get; set; } = Verbosity.Warning;

    /// <summary>A reporter for library events at the current verbosity.</summary>
    public ConsoleReporter Reporter() => new(Output, Error, Verbosity);
}
