using System.Runtime.InteropServices;
using ClinicaDl.Cli;

// SIGINT/SIGTERM stop the run at the next step boundary (the library checks the token), exit 130/143.
using var cancel = new CancellationTokenSource();
int signalExit = 0;
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    if (signalExit != 0) Environment.Exit(signalExit); // a second signal stops at once
    signalExit = context.Signal == PosixSignal.SIGTERM ? CliApp.Terminated : CliApp.Interrupted;
    Console.Error.WriteLine($"clinicadl: {(context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "interrupt")} received; stopping at the next step.");
    cancel.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

var context = new CliContext(Console.Out, Console.Error, cancel.Token);
int code = CliApp.Run(args, context);
return code == CliApp.Interrupted && signalExit != 0 ? signalExit : code;
