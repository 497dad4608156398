using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace ClinicaDl.Tests.Support;

/// <summary>Runs the built clinicadl executable as a separate process (for signals, kills and concurrent jobs).</summary>
internal sealed partial class ChildProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly object gate = new();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public const int SIGINT = 2, SIGKILL = 9, SIGTERM = 15;

    private const string Perl = "/usr/bin/perl";

    public ChildProcess(params string[] args) : this(null, null, args) { }

    /// <summary>Starts clinicadl with extra environment variables and, when <paramref name="user"/> is given (the test host
    /// runs as root), as that user through <c>setpriv</c>, so that file permissions apply to it.</summary>
    public ChildProcess(IReadOnlyDictionary<string, string>? environment, string? user, string[] args)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "clinicadl.dll");
        // A test host started in the background of a non-interactive shell (`.ci/run &`, nohup) inherits SIGINT as
        // ignored, and an ignored signal stays ignored across exec, so the child would never see Ctrl-C. Perl (Debian's
        // essential perl-base) restores the default disposition and execs dotnet in the same process (same pid).
        var psi = new ProcessStartInfo(user is not null ? "setpriv" : File.Exists(Perl) ? Perl : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (user is not null)
            foreach (var a in new[] { $"--reuid={user}", "--regid=nogroup", "--clear-groups", File.Exists(Perl) ? Perl : "dotnet" })
                psi.ArgumentList.Add(a);
        if (File.Exists(Perl))
            foreach (var a in new[] { "-e", "$SIG{INT} = $SIG{QUIT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec dotnet: $!\\n\";", "dotnet" })
                psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(exe);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get { lock (gate) return output.ToString(); }
    }

    public bool HasExited => process.HasExited;

    /// <summary>The process id (perl and the dotnet host exec in place, so it is clinicadl's).</summary>
    public int Id => process.Id;

    /// <summary>Waits until the output contains <paramref name="text"/> (or the process ends); true when it appeared.</summary>
    public bool WaitFor(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal)) return true;
            if (process.HasExited) return Output.Contains(text, StringComparison.Ordinal);
            Thread.Sleep(50);
        }
        return false;
    }

    public void Signal(int signal)
    {
        if (!process.HasExited) Kill(process.Id, signal);
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"clinicadl did not exit within {timeout}:\n{Output}");
        }
        process.WaitForExit();
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}
