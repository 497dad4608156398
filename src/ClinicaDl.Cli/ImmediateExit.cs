using System.Runtime.InteropServices;

namespace ClinicaDl.Cli;

/// <summary>Ends the process at once, without the runtime's shutdown.</summary>
/// <remarks>
/// <see cref="Environment.Exit"/> runs the process's exit handlers, LibTorch's static destructors among them, while the
/// training threads may still be inside LibTorch: a second signal during the stop then segfaulted (exit 139) about one
/// time in five. <c>_exit(2)</c> ends the process without running them. Every file clinicadl writes is complete at
/// any instant (docs/reliability.md), so nothing needs finishing; at worst a hidden temporary file remains.
/// The runtime's diagnostic endpoints (<c>clr-debug-pipe-&lt;pid&gt;-*</c>, <c>dotnet-diagnostic-&lt;pid&gt;-*</c> in TMPDIR), which
/// its normal shutdown removes, are removed here first.
/// </remarks>
internal static partial class ImmediateExit
{
    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void Exit(int status);

    /// <summary>Flushes the console and exits with <paramref name="code"/>, skipping every exit handler where the OS allows it.</summary>
    public static void Now(int code)
    {
        RemoveDiagnosticEndpoints();
        try
        {
            System.Console.Out.Flush();
            System.Console.Error.Flush();
        }
        catch (IOException)
        {
            // A closed pipe must not stop the exit.
        }
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                Exit(code);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // No C library under that name: fall back to the runtime's exit.
            }
        }
        Environment.Exit(code);
    }

    /// <summary>Deletes this process's own .NET diagnostic endpoints in TMPDIR (those of other processes are never touched).</summary>
    /// <remarks>Called before an exit that skips the runtime's shutdown, and before the runtime aborts on a bug.</remarks>
    public static void RemoveDiagnosticEndpoints()
    {
        try
        {
            string folder = Path.GetTempPath();
            int pid = Environment.ProcessId;
            foreach (string pattern in new[] { $"clr-debug-pipe-{pid}-*", $"dotnet-diagnostic-{pid}-*" })
                foreach (string file in Directory.EnumerateFiles(folder, pattern))
                    File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the exit must happen.
        }
    }
}
