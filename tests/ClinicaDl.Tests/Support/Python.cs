using System.Diagnostics;

namespace ClinicaDl.Tests.Support;

/// <summary>Runs Debian's /usr/bin/python3 (python3-torch, python3-nibabel) for interoperability tests.</summary>
/// <remarks>
/// The interpreter is Debian's, not whatever <c>python3</c> is first on PATH, because that is where
/// <c>apt-get install python3-torch python3-nibabel</c> puts the modules. <c>.ci/run</c> installs them and
/// sets <c>CLINICADL_REQUIRE_INTEROP=1</c>, so in CI a missing module is a failure, not a skip.
/// </remarks>
internal static class Python
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Dictionary<string, bool> Available = new();

    public static bool Required => Environment.GetEnvironmentVariable("CLINICADL_REQUIRE_INTEROP") == "1";

    /// <summary>True when the interpreter imports every module in <paramref name="modules"/>.</summary>
    public static bool HasModules(params string[] modules)
    {
        string key = string.Join(",", modules);
        lock (Available)
        {
            if (Available.TryGetValue(key, out bool ok)) return ok;
            ok = File.Exists(Interpreter) && (modules.Length == 0 || TryRun("import " + key, out _, out _) == 0);
            Available[key] = ok;
            return ok;
        }
    }

    /// <summary>Runs <paramref name="script"/> with arguments and returns stdout; throws with stderr when it fails.</summary>
    public static string Run(string script, params string[] args)
    {
        int rc = TryRun(script, out string stdout, out string stderr, args);
        if (rc != 0)
            throw new InvalidOperationException($"python3 exited with {rc}:\n{stderr}\n--- script ---\n{script}");
        return stdout;
    }

    /// <summary>Like <see cref="Run"/>, returning stdout and stderr together (diagnostics printed to stderr stay visible in a failing assertion).</summary>
    public static string RunWithErrors(string script, params string[] args)
    {
        int rc = TryRun(script, out string stdout, out string stderr, args);
        if (rc != 0)
            throw new InvalidOperationException($"python3 exited with {rc}:\n{stderr}\n--- script ---\n{script}");
        return stdout + "\n" + stderr;
    }

    private static int TryRun(string script, out string stdout, out string stderr, params string[] args)
        => Exec(["-c", script, .. args], out stdout, out stderr);

    /// <summary>Runs <paramref name="interpreter"/> with <paramref name="arguments"/> (one LibTorch/OpenMP thread, no stdin);
    /// returns its exit code, or −1 when it cannot be started (the reason in <paramref name="stderr"/>).</summary>
    public static int Exec(IEnumerable<string> arguments, out string stdout, out string stderr, string interpreter = Interpreter)
    {
        var psi = new ProcessStartInfo(interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "1";
        try
        {
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            stderr = err.Result;
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            stdout = "";
            stderr = e.Message;
            return -1;
        }
    }
}

/// <summary>A fact that needs Debian python3 modules: skipped when they are missing, unless CI requires them.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PythonFactAttribute : FactAttribute
{
    public PythonFactAttribute(params string[] modules)
    {
        if (!Python.Required && !Python.HasModules(modules))
            Skip = $"needs {Python.Interpreter} with {string.Join(", ", modules)} (apt-get install python3-torch python3-nibabel)";
    }
}

/// <summary>A temporary folder deleted when disposed.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix ?? "clinicadl-test"}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
