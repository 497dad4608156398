namespace ClinicaDl.Cli.Console;

/// <summary>How much the CLI prints: ClinicaDL's <c>-v</c> counter (warning / info / debug), or <c>--quiet</c>.</summary>
internal enum Verbosity
{
    /// <summary><c>--quiet</c>: errors and the final result line only.</summary>
    Quiet = -1,
    /// <summary>Default: warnings, progress and the summary.</summary>
    Warning = 0,
    /// <summary><c>-v</c>: also informational messages.</summary>
    Info = 1,
    /// <summary><c>-vv</c>: also debug messages.</summary>
    Debug = 2,
}
