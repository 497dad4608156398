using ClinicaDl.Errors;

namespace ClinicaDl.Cli;

/// <summary>Turns every exception that reaches the CLI into one line and an exit code.</summary>
/// <remarks>
/// The library's own errors (<see cref="ClinicaDlException"/>) and the operating system's (a file that cannot be read or
/// written, a full disk, memory) are the user's to fix: one line naming the file, exit 2 for input errors, 1 for a failed
/// run. Anything else is a bug in clinicadl: it says so, then prints the trace to report, and exits 1.
/// Exceptions raised on parallel workers arrive wrapped (<see cref="AggregateException"/>): the first meaningful one is reported.
/// </remarks>
internal static class FailureReport
{
    /// <summary>Prints the report of <paramref name="e"/> to <paramref name="context"/>'s error stream and returns the exit code.</summary>
    public static int Report(Exception e, CliContext context)
    {
        e = Unwrap(e, context.Cancel.IsCancellationRequested);
        switch (e)
        {
            case OperationCanceledException when context.Cancel.IsCancellationRequested:
                context.Error.WriteLine("clinicadl: interrupted.");
                return CliApp.Interrupted;
            case ClinicaDlException c:
                context.Error.WriteLine("clinicadl: error: " + c.Message);
                return c.IsInputError ? CliApp.UsageError : CliApp.Failure;
            case UnauthorizedAccessException:
                // Outputs are checked before a run and their failed writes arrive as IOException: a denied access is an input.
                context.Error.WriteLine("clinicadl: error: " + OneLine(e.Message) + " Make it readable by this user.");
                return CliApp.UsageError;
            case IOException:
                context.Error.WriteLine("clinicadl: error: " + OneLine(e.Message));
                return CliApp.Failure;
            case OutOfMemoryException or InsufficientExecutionStackException:
                context.Error.WriteLine("clinicadl: error: out of memory (" + OneLine(e.Message) + "). Lower --batch_size, -np/--nproc or --cache_memory.");
                return CliApp.Failure;
            default:
                context.Error.WriteLine($"clinicadl: internal error (a bug in clinicadl, please report it with the lines below): {e.GetType().Name}: {OneLine(e.Message)}");
                context.Error.WriteLine(e.ToString());
                return CliApp.Failure;
        }
    }

    /// <summary>The exception to report: the inner one of an aggregate, preferring a cancellation when one was requested, then our own errors.</summary>
    internal static Exception Unwrap(Exception e, bool cancelled)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException a:
                    var inner = a.Flatten().InnerExceptions;
                    if (inner.Count == 0) return e;
                    e = (cancelled ? inner.FirstOrDefault(x => x is OperationCanceledException) : null)
                        ?? inner.FirstOrDefault(x => x is ClinicaDlException)
                        ?? inner.FirstOrDefault(x => x is IOException or UnauthorizedAccessException)
                        ?? inner.FirstOrDefault(x => x is not OperationCanceledException)
                        ?? inner[0];
                    continue;
                case System.Reflection.TargetInvocationException { InnerException: { } t }:
                    e = t;
                    continue;
                case TypeInitializationException { InnerException: { } t }:
                    e = t;
                    continue;
                default:
                    return e;
            }
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
