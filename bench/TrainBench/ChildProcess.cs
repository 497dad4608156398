using System.Diagnostics;
using System.Globalization;

namespace TrainBench;

/// <summary>What a measured child process left: its output, peak RSS and CPU time.</summary>
internal sealed record ChildResult(string Stdout, long PeakRssBytes, double WallSeconds, double CpuSeconds, string RssSource);

/// <summary>Runs a command as a child process and measures its peak RSS (ru_maxrss through /usr/bin/time, else VmHWM polled).</summary>
internal static class ChildProcess
{
    private const string TimeTool = "/usr/bin/time";

    /// <summary>Runs <c>dotnet ARGS</c>; <paramref name="poll"/> is called every 50 ms with the pid of the dotnet process.</summary>
    public static ChildResult RunDotnet(IReadOnlyList<string> args, Action<int>? poll = null)
    {
        bool timeTool = File.Exists(TimeTool);
        string timeFile = Path.Combine(Path.GetTempPath(), $"trainbench-time-{Environment.ProcessId}.txt");
        ProcessStartInfo start;
        if (timeTool)
        {
            // %M: ru_maxrss of the child in KiB (its peak RSS, VmHWM at exit); %U %S: CPU seconds.
            start = new ProcessStartInfo(TimeTool);
            foreach (var a in new[] { "-f", "%M %U %S", "-o", timeFile, "dotnet" }) start.ArgumentList.Add(a);
        }
        else
        {
            start = new ProcessStartInfo("dotnet");
        }
        foreach (var a in args) start.ArgumentList.Add(a);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        var sw = Stopwatch.StartNew();
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long polledHwm = 0;
        int child = timeTool ? 0 : p.Id; // with /usr/bin/time, the measured process is its child
        while (!p.WaitForExit(50))
        {
            if (child == 0) child = ChildOf(p.Id);
            if (child == 0) continue;
            if (!timeTool) polledHwm = Math.Max(polledHwm, ReadHwm(child)); // the last read before exit
            poll?.Invoke(child);
        }
        p.WaitForExit();
        double wall = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed ({p.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        if (!timeTool) return new ChildResult(stdout.Result, polledHwm, wall, double.NaN, "VmHWM polled every 50 ms");
        var f = File.ReadAllText(timeFile).Trim().Split('\n')[^1].Split(' ');
        File.Delete(timeFile);
        return new ChildResult(stdout.Result, long.Parse(f[0], CultureInfo.InvariantCulture) * 1024,
            wall, double.Parse(f[1], CultureInfo.InvariantCulture) + double.Parse(f[2], CultureInfo.InvariantCulture), "ru_maxrss via /usr/bin/time");
    }

    /// <summary>utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat, in USER_HZ = 100 ticks per second on Linux).</summary>
    public static double ReadCpu(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from 3 (state) on
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException) { return double.NaN; }
    }

    /// <summary>Bytes a process has read through read(2) and its kin so far, page-cache hits included (<c>rchar</c> of
    /// /proc/PID/io); memory-mapped reads (the spill file, libraries) are not counted. -1 when unreadable.</summary>
    public static long ReadBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/io"))
                if (line.StartsWith("rchar:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return -1;
    }

    private static int ChildOf(int pid)
    {
        try
        {
            string children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Trim();
            return children.Length == 0 ? 0 : int.Parse(children.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { return 0; }
    }

    private static long ReadHwm(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return 0;
    }
}
