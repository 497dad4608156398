using System.Globalization;

namespace TrainBench;

/// <summary>The <c>train</c> mode: (a) training per-epoch time, (b) compute-only limit, (c) first epoch and decode, (d) peak RSS, at each N.</summary>
/// <summary>(b) per epoch, wall and CPU seconds, and the peak RSS of the process that ran it.</summary>
internal sealed record ComputeResult(double[] Wall, double[] Cpu, long PeakRssBytes);

internal static class TrainCommand
{
    private sealed record Row(int N, string Caps, int TrainSessions, int ValidSessions, EpochShape[] Shapes,
        List<TrainResult> Runs, List<ComputeResult> Compute, double DecodeRead, double DecodeCut);

    public static int Run(Options o)
    {
        var bench = BenchNetwork.Find(o.Network, o.Slices);
        int networks = bench.Networks, perSession = bench.PerSession;
        var ws = Workspace.Find(o.Cli);
        bool hugePages = HugePagesLikeClinicadl();
        Console.WriteLine($"TrainBench train: clinicadl {bench.Description}, fold 0 of 2, -cpu, batch {o.BatchSize}, " +
                          $"{o.Epochs} epochs, --threads {o.Threads}, -np {o.NProc}{(o.CacheMemory is null ? "" : $", --cache_memory {o.CacheMemory}")}, " +
                          $"repeat {o.Repeat} (medians); compute-only limit with --malloc {o.Malloc}{(hugePages ? ", both on transparent huge pages (glibc.malloc.hugetlb=1)" : "")}");
        Console.WriteLine($"machine: {Machine.Describe()}");
        Console.WriteLine();

        var rows = new List<Row>();
        foreach (int n in o.Sizes)
        {
            string caps = ws.Caps(n);
            var (train, valid) = DecodeTimer.Sessions(caps);
            // cnn: every element of every session in one network; multicnn: one network per element, one element per session.
            var shapes = Enumerable.Range(0, networks).Select(_ => new EpochShape(perSession * train, perSession * valid, o.BatchSize, o.BatchSize)).ToArray();
            rows.Add(new Row(n, caps, train, valid, shapes, [], [], 0, 0));
        }

        for (int r = 0; r < o.Repeat; r++)
        {
            foreach (var row in rows)
            {
                string output = Path.Combine(ws.Results, "runs", $"{o.Network}-{row.N}");
                Console.Error.WriteLine($"[{r + 1}/{o.Repeat}] N={row.N}: {bench.Description} ...");
                var run = TrainProcess.Run(ws, bench, ws.Caps(row.N), output, o);
                row.Runs.Add(run);
                Console.Error.WriteLine($"    epochs {Seconds(Enumerable.Range(0, run.Epochs).Select(run.Epoch))} (CPU-s {Seconds(Enumerable.Range(1, run.Epochs - 1).Select(run.EpochCpu))}), peak RSS {run.Process.PeakRssBytes / 1e6:F0} MB, process {run.Process.WallSeconds:F1} s wall / {run.Process.CpuSeconds:F1} s CPU");
                Console.Error.WriteLine($"[{r + 1}/{o.Repeat}] N={row.N}: compute-only limit ...");
                var compute = ComputeInChild(row.Shapes, o);
                row.Compute.Add(compute);
                Console.Error.WriteLine($"    epochs {Seconds(compute.Wall)} (CPU-s {Seconds(compute.Cpu.Skip(1))}), load average {Machine.LoadAverage()}");
            }
        }
        var decoded = new List<Row>();
        foreach (var row in rows)
        {
            Console.Error.WriteLine($"N={row.N}: single-thread decode ...");
            var (read, cut, _) = DecodeTimer.Run(ws.Caps(row.N), bench);
            decoded.Add(row with { DecodeRead = read, DecodeCut = cut });
        }

        Report(o, decoded);
        return 0;
    }

    /// <summary>clinicadl's training runs its malloc on transparent huge pages where the kernel gives them on request
    /// (ClinicaDl.Cli.HugePages): the compute-only child gets the same tunable, through this process's environment, which
    /// its children inherit. True when set.</summary>
    private static bool HugePagesLikeClinicadl()
    {
        const string thp = "/sys/kernel/mm/transparent_hugepage/enabled";
        string tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "";
        if (tunables.Contains("glibc.malloc.hugetlb", StringComparison.Ordinal)) return tunables.Contains("glibc.malloc.hugetlb=1", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("CLINICADL_HUGEPAGES") == "0") return false;
        if (!File.Exists(thp) || !File.ReadAllText(thp).Contains("[madvise]", StringComparison.Ordinal)) return false;
        Environment.SetEnvironmentVariable("GLIBC_TUNABLES", (tunables.Length > 0 ? tunables + ":" : "") + "glibc.malloc.hugetlb=1");
        return true;
    }

    /// <summary>(b) in a fresh process, like the training: cold oneDNN primitive cache in epoch 1, and its own peak RSS.</summary>
    private static ComputeResult ComputeInChild(EpochShape[] shapes, Options o)
    {
        var s = shapes[0];
        var args = new List<string>
        {
            System.Reflection.Assembly.GetEntryAssembly()!.Location, "compute-child",
            "--train", s.TrainElements.ToString(CultureInfo.InvariantCulture), "--valid", s.ValidElements.ToString(CultureInfo.InvariantCulture),
            "--networks", shapes.Length.ToString(CultureInfo.InvariantCulture), "--epochs", o.Epochs.ToString(CultureInfo.InvariantCulture),
            "--batch_size", o.BatchSize.ToString(CultureInfo.InvariantCulture), "--threads", o.Threads.ToString(CultureInfo.InvariantCulture),
            "--malloc", o.Malloc, "--network", o.Network,
        };
        var child = ChildProcess.RunDotnet(args);
        var line = child.Stdout.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal))[7..].Split('|');
        double[] Parse(string part) => part.Trim().Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new ComputeResult(Parse(line[0]), Parse(line[1]), child.PeakRssBytes);
    }

    /// <summary>The hidden <c>compute-child</c> mode: one compute-only run, printed for the parent to read.</summary>
    public static int ComputeChild(Options o)
    {
        var shapes = Enumerable.Range(0, o.Networks).Select(_ => new EpochShape(o.TrainElements, o.ValidElements, o.BatchSize, o.BatchSize)).ToArray();
        var (wall, cpu) = ComputeLimit.Run(shapes, o.Epochs, o.Threads, BenchNetwork.Find(o.Network, o.Slices).Kind, o.Malloc == "tuned");
        Console.WriteLine($"RESULT {Seconds(wall, "R")} | {Seconds(cpu, "R")}");
        return 0;
    }

    /// <summary>The <c>compute</c> mode: only the compute-only limit (b), every epoch, for a quick look (no CAPS needed).</summary>
    public static int ComputeOnly(Options o)
    {
        foreach (int n in o.Sizes)
            for (int r = 0; r < o.Repeat; r++)
            {
                // fold 0 of a 2-fold split: half the sessions train, half validate; 2 ROIs each (cnn).
                var (wall, cpu) = ComputeLimit.Run([new EpochShape(n, n, o.BatchSize, o.BatchSize)], o.Epochs, o.Threads, BenchNetwork.Find(o.Network, o.Slices).Kind, o.Malloc == "tuned");
                Console.WriteLine($"N={n} threads {o.Threads}: wall {Seconds(wall)} | CPU {Seconds(cpu)} | load {Machine.LoadAverage()}");
            }
        return 0;
    }

    private static void Report(Options o, List<Row> rows)
    {
        Console.WriteLine("steps per epoch (train + evaluation of train and validation sets), per network:");
        foreach (var row in rows)
            Console.WriteLine($"  N={row.N,3}: {row.TrainSessions} train / {row.ValidSessions} validation sessions; " +
                              (row.Shapes.Length > 1 ? $"{row.Shapes.Length} networks × " : "") + $"({row.Shapes[0].TrainSteps} train + {row.Shapes[0].EvalSteps} eval steps)");
        Console.WriteLine();
        Console.WriteLine("   N | (a) epoch s | (b) compute s | (a)/(b) | first epoch s | (b) 1st s | decode 1-thr s (read / +cut) | target 1st ≤ s | ok | peak RSS MB (b's) | a/N ms | RSS/N MB");
        Console.WriteLine("-----+-------------+---------------+---------+---------------+-----------+------------------------------+----------------+----+-------------------+--------+---------");
        var perSession = new List<(int N, double A, double Rss)>();
        foreach (var row in rows)
        {
            double a = Median(row.Runs.Select(r => r.SteadyEpoch));
            double b = Median(row.Compute.Select(c => c.Wall.Skip(1).Average()));
            double first = Median(row.Runs.Select(r => r.Epoch(0)));
            double bFirst = Median(row.Compute.Select(c => c.Wall[0]));
            double rss = Median(row.Runs.Select(r => (double)r.Process.PeakRssBytes)) / 1e6;
            double rssB = Median(row.Compute.Select(c => (double)c.PeakRssBytes)) / 1e6;
            // Target: first epoch ≤ (compute-only first epoch + what the workers need to decode every image) + 10 %.
            double target = 1.10 * (bFirst + row.DecodeCut / o.NProc);
            perSession.Add((row.N, a / row.N, rss / row.N));
            Console.WriteLine($" {row.N,3} | {a,11:F2} | {b,13:F2} | {a / b,7:F2} | {first,13:F2} | {bFirst,9:F2} | {row.DecodeRead,13:F2} / {row.DecodeCut,-12:F2} | {target,14:F2} | {(first <= target ? "yes" : "no"),2} | {rss,8:F0} ({rssB,6:F0}) | {1000 * a / row.N,6:F1} | {rss / row.N,7:F2}");
        }
        Console.WriteLine();
        Console.WriteLine("the same in CPU seconds (user + system, all threads) per epoch, epochs 2..E — robust to other work on the machine:");
        foreach (var row in rows)
        {
            double a = Median(row.Runs.Select(r => r.SteadyEpochCpu));
            double b = Median(row.Compute.Select(c => c.Cpu.Skip(1).Average()));
            Console.WriteLine($"  N={row.N,3}: training {a:F2} CPU-s, compute-only {b:F2} CPU-s, ratio {a / b:F2}");
        }
        Console.WriteLine();
        Console.WriteLine("bytes the training process read (rchar of /proc/PID/io: read(2), page cache included; the mmap'd spill file is not counted),");
        Console.WriteLine("against the image files of fold 0 (each read once: ratio ≈ 1 plus the run's own small files):");
        foreach (var row in rows)
        {
            long images = DecodeTimer.ImageBytes(row.Caps);
            foreach (var run in row.Runs)
            {
                long firstEpoch = run.EpochReadEnds[0][0], last = run.EpochReadEnds[^1][^1];
                Console.WriteLine($"  N={row.N,3}: {images / 1e6:F1} MB of images; read by the end of epoch 1 of the first network {firstEpoch / 1e6:F1} MB, " +
                                  $"by the end of the last epoch of the last network {last / 1e6:F1} MB (ratio {(double)last / images:F2}), " +
                                  $"read after epoch 1 of the first network {(last - firstEpoch) / 1e6:F1} MB");
            }
        }
        Console.WriteLine();
        Console.WriteLine("raw per-epoch seconds (each repeat): training.tsv differences | compute-only");
        foreach (var row in rows)
            for (int r = 0; r < row.Runs.Count; r++)
                Console.WriteLine($"  N={row.N,3} #{r + 1}: {Seconds(Enumerable.Range(0, row.Runs[r].Epochs).Select(row.Runs[r].Epoch))} | {Seconds(row.Compute[r].Wall)}" +
                                  $"   (process {row.Runs[r].Process.WallSeconds:F1} s wall, {row.Runs[r].Process.CpuSeconds:F1} s CPU, RSS {row.Runs[r].Process.PeakRssBytes / 1e6:F0} MB)");
        if (rows.Count > 0) Console.WriteLine($"peak RSS: {rows[0].Runs[0].Process.RssSource}");
        if (perSession.Count >= 2)
        {
            var lo = perSession[0];
            var hi = perSession[^1];
            Console.WriteLine();
            Console.WriteLine($"per-session cost, N={hi.N} vs N={lo.N}: time a/N ratio {hi.A / lo.A:F2}, RSS/N ratio {hi.Rss / lo.Rss:F2}");
            Console.WriteLine($"marginal cost per added session (N={lo.N}→{hi.N}): {1000 * (hi.A * hi.N - lo.A * lo.N) / (hi.N - lo.N):F1} ms per epoch, " +
                              $"{(hi.Rss * hi.N - lo.Rss * lo.N) / (hi.N - lo.N):F2} MB RSS");
        }
    }

    private static string Seconds(IEnumerable<double> values, string format = "F2") => string.Join(" ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));

    internal static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

/// <summary>A one-line description of the machine (CPU model, cores, memory, the ISA flags that matter for bf16).</summary>
internal static class Machine
{
    public static string Describe()
    {
        string model = "?", flags = "";
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && model == "?") model = line[(line.IndexOf(':') + 1)..].Trim();
                if (line.StartsWith("flags", StringComparison.Ordinal) && flags.Length == 0) flags = line[(line.IndexOf(':') + 1)..];
            }
        }
        catch (IOException) { }
        var wanted = new[] { "avx2", "avx512f", "avx512_bf16", "amx_bf16", "fma" };
        var set = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        string isa = string.Join(" ", wanted.Select(f => set.Contains(f) ? f : "no-" + f));
        double gib = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{model}, {Environment.ProcessorCount} cores, {gib:F0} GiB, {isa}, load average {LoadAverage()}";
    }

    public static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
    }
}
