using System.Runtime.InteropServices;
using ClinicaDl.Cli;
using ClinicaDl.Cli.Console;

// Training and evaluation verbs run with malloc on transparent huge pages: the process replaces itself once, before anything starts.
HugePages.ReplaceProcessIfUseful(args);

// stdout decides the display: a live one on a terminal, plain timestamped lines when redirected (CliContext.Renderer).
var terminal = LiveTerminal.Detect();

// An exception on a thread of our own that nothing caught is a bug: say so before the runtime aborts the process.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    Console.Error.WriteLine($"clinicadl: internal error (a bug in clinicadl, please report it with the lines below): {e.ExceptionObject}");
    ImmediateExit.RemoveDiagnosticEndpoints(); // the abort that follows skips the runtime's shutdown, which would remove them
};

// SIGINT/SIGTERM stop the run at the next step boundary (the library checks the token), exit 130/143.
using var cancel = new CancellationTokenSource();
int signalExit = 0;
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    if (signalExit != 0)
    {
        terminal?.Console.Cursor.Show(true); // the live display hides it and has no chance to show it again
        Console.Error.WriteLine($"clinicadl: second {(context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "interrupt")}; stopping now. Every file is complete; resume from the last checkpoint.");
        ImmediateExit.Now(context.Signal == PosixSignal.SIGTERM ? CliApp.Terminated : CliApp.Interrupted); // a second signal stops at once
    }
    signalExit = context.Signal == PosixSignal.SIGTERM ? CliApp.Terminated : CliApp.Interrupted;
    string message = $"clinicadl: {(context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "interrupt")} received; stopping at the next step.";
    if (terminal is { ErrorIsSeparate: false }) terminal.Console.Write(new ClearingLine(message)); // above the live display, not through it
    else Console.Error.WriteLine(message);
    cancel.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

var context = new CliContext(Console.Out, Console.Error, cancel.Token) { Terminal = terminal };
int code = CliApp.Run(args, context);
// A stopped run ends here, with its signal handlers still registered: returning would unregister them during the
// runtime's shutdown, and a second signal in that window killed the process by the default action, leaving its
// diagnostic endpoints in TMPDIR (seen in CI). Every file is complete, so nothing is lost by skipping the shutdown.
if (signalExit != 0) ImmediateExit.Now(code == CliApp.Interrupted ? signalExit : code);
return code;
