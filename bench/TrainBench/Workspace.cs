using System.Diagnostics;
using System.Globalization;

namespace TrainBench;

/// <summary>Where things are: the repository root, the CLI build, the (git-ignored) results folder; and how children run.</summary>
internal sealed class Workspace
{
    private Workspace(string root, string cli)
    {
        Root = root;
        Cli = cli;
        Results = Path.Combine(root, "bench", "results");
    }

    public string Root { get; }

    /// <summary>clinicadl.dll (Release build of src/ClinicaDl.Cli).</summary>
    public string Cli { get; }

    /// <summary>bench/results: generated CAPS (cached across runs) and training outputs.</summary>
    public string Results { get; }

    public static Workspace Find(string? cli)
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "ClinicaDl.sln"))) dir = Path.GetDirectoryName(dir);
        if (dir is null) throw new InvalidOperationException("ClinicaDl.sln not found above " + AppContext.BaseDirectory);
        string path = cli ?? Path.Combine(dir, "src", "ClinicaDl.Cli", "bin", "Release", "net10.0", "clinicadl.dll");
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} not found: build it first (dotnet build -c Release src/ClinicaDl.Cli), or pass --cli.");
        return new Workspace(dir, path);
    }

    /// <summary>A trivial CAPS of <paramref name="images"/> images with a 2-fold split, generated once and reused.</summary>
    public string Caps(int images)
    {
        string dir = Path.Combine(Results, $"caps-{images}");
        string stamp = Path.Combine(dir, ".bench-complete");
        if (File.Exists(stamp)) return dir;
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); // an interrupted generation
        Console.Error.WriteLine($"generating {images} images into {dir} (once; reused by later runs) ...");
        var sw = Stopwatch.StartNew();
        RunCli(["generate", "trivial", dir, "--n_subjects", (images / 2).ToString(CultureInfo.InvariantCulture)]);
        RunCli(["tsvtool", "kfold", Path.Combine(dir, "labels"), "--n_splits", "2"]);
        File.WriteAllText(stamp, DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) + "\n");
        Console.Error.WriteLine($"  done in {sw.Elapsed.TotalSeconds:F0} s");
        return dir;
    }

    private void RunCli(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Cli);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"clinicadl {string.Join(' ', arguments)} failed ({p.ExitCode}):\n{stdout.Result}\n{stderr}");
    }
}
