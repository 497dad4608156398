namespace ClinicaDl.Tests.Support;

/// <summary>The independent event-file checker, <c>../shared/tools/check_tfevents.py</c> beside the repository (standard-library Python).</summary>
/// <remarks>
/// A clone outside the project's workspace has no <c>shared/</c> folder: there the checks that need it are skipped,
/// unless <c>CLINICADL_REQUIRE_INTEROP=1</c> (set by <c>.ci/run</c>) makes a missing checker a failure.
/// </remarks>
internal static class TfEventsChecker
{
    public static string Script => Path.Combine(Repository.Root, "..", "shared", "tools", "check_tfevents.py");

    /// <summary>True when the checker should run: it is there, or CI requires it (and then its absence fails).</summary>
    public static bool ShouldRun => File.Exists(Script) || Python.Required;

    /// <summary>Runs the checker with <paramref name="args"/>; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        Assert.True(File.Exists(Script), $"{Script} is missing: shared/ must sit beside the repository.");
        int rc = Python.Exec([Script, .. args], out string stdout, out string stderr,
            File.Exists(Python.Interpreter) ? Python.Interpreter : "python3");
        return (rc, stdout + stderr);
    }
}

/// <summary>A fact that needs the shared event-file checker: skipped in a clone without <c>../shared</c>, unless CI requires it.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class TfEventsCheckerFactAttribute : FactAttribute
{
    public TfEventsCheckerFactAttribute()
    {
        if (!TfEventsChecker.ShouldRun)
            Skip = $"needs {TfEventsChecker.Script} (the project's shared/ folder beside the repository)";
    }
}

/// <summary>The repository's root folder (the one holding ClinicaDl.sln).</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ClinicaDl.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"No ClinicaDl.sln above {AppContext.BaseDirectory}.");
    }
}
