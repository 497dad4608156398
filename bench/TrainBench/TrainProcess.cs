using System.Globalization;

namespace TrainBench;

/// <summary>What one <c>clinicadl train</c> child process measured.</summary>
/// <param name="EpochEnds">The <c>time</c> column of training.tsv at each end of epoch (seconds since the network started), per network.</param>
/// <param name="Process">Peak RSS, wall and CPU time of the whole process.</param>
/// <param name="EpochCpuEnds">CPU seconds (user + system) of the training process when each end-of-epoch row appeared in
/// training.tsv (polled every 50 ms), per network.</param>
/// <param name="EpochReadEnds">Bytes the training process had read through read(2) (<c>rchar</c> of /proc/PID/io, page cache
/// included) when each end-of-epoch row appeared, per network.</param>
internal sealed record TrainResult(IReadOnlyList<double[]> EpochEnds, ChildResult Process, IReadOnlyList<double[]> EpochCpuEnds, IReadOnlyList<long[]> EpochReadEnds)
{
    /// <summary>Per-epoch wall seconds of epoch e (0-based), summed over the networks (multicnn trains them in turn).</summary>
    public double Epoch(int e) => EpochEnds.Sum(t => e == 0 ? t[0] : t[e] - t[e - 1]);

    /// <summary>Per-epoch CPU seconds of epoch e ≥ 1 (epoch 0 would include start-up).</summary>
    public double EpochCpu(int e) => EpochCpuEnds.Sum(t => t[e] - t[e - 1]);

    public int Epochs => EpochEnds.Min(t => t.Length);

    /// <summary>(a): mean per-epoch wall time of epochs 2..E (1-based).</summary>
    public double SteadyEpoch => Enumerable.Range(1, Epochs - 1).Average(Epoch);

    /// <summary>Mean per-epoch CPU seconds of epochs 2..E (NaN when an epoch end was missed).</summary>
    public double SteadyEpochCpu => EpochCpuEnds.All(t => t.Length >= Epochs) ? Enumerable.Range(1, Epochs - 1).Average(EpochCpu) : double.NaN;
}

/// <summary>Runs <c>clinicadl train MODE NETWORK</c> as a child process and reads training.tsv, CPU time and bytes read per epoch, and the peak RSS.</summary>
internal static class TrainProcess
{
    public static TrainResult Run(Workspace ws, BenchNetwork bench, string caps, string output, Options o)
    {
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            ws.Cli, "train", bench.Mode, bench.Network, caps, "t1-linear", Path.Combine(caps, "labels"), output, bench.Model,
            "-cpu", "--n_splits", "2", "--split", "0", "--epochs", Text(o.Epochs), "--batch_size", Text(o.BatchSize),
            "--threads", Text(o.Threads), "-np", Text(o.NProc),
        };
        args.AddRange(bench.Extra);
        if (o.CacheMemory is not null) args.AddRange(["--cache_memory", o.CacheMemory]);
        var tsvs = bench.Networks == 1
            ? [Path.Combine(output, "fold-0", "training.tsv")]
            : Enumerable.Range(0, bench.Networks).Select(k => Path.Combine(output, "fold-0", "tensorboard_logs", $"cnn-{k}", "training.tsv")).ToList();
        var cpuAtRow = tsvs.Select(_ => new List<double>()).ToArray();
        var readAtRow = tsvs.Select(_ => new List<long>()).ToArray();
        var result = ChildProcess.RunDotnet(args, pid =>
        {
            for (int k = 0; k < tsvs.Count; k++)
            {
                int rows = Rows(tsvs[k]);
                if (rows <= cpuAtRow[k].Count) continue;
                double cpuNow = ChildProcess.ReadCpu(pid);
                long readNow = ChildProcess.ReadBytes(pid);
                while (cpuAtRow[k].Count < rows) cpuAtRow[k].Add(cpuNow);
                while (readAtRow[k].Count < rows) readAtRow[k].Add(readNow);
            }
        });
        return new TrainResult(tsvs.Select(EpochEnds).ToList(), result, cpuAtRow.Select(l => l.ToArray()).ToList(), readAtRow.Select(l => l.ToArray()).ToList());
    }

    /// <summary>The time column at each end of epoch (the last row of each epoch).</summary>
    private static double[] EpochEnds(string tsv)
    {
        var lines = File.ReadAllLines(tsv);
        var header = lines[0].Split('\t');
        int epochCol = Array.IndexOf(header, "epoch"), timeCol = Array.IndexOf(header, "time");
        var ends = new SortedDictionary<int, double>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var f = line.Split('\t');
            ends[int.Parse(f[epochCol], CultureInfo.InvariantCulture)] = double.Parse(f[timeCol], CultureInfo.InvariantCulture);
        }
        return ends.Values.ToArray();
    }

    /// <summary>Data rows of a training.tsv being written (0 while it does not exist or is being replaced).</summary>
    private static int Rows(string tsv)
    {
        try { return File.Exists(tsv) ? File.ReadLines(tsv).Skip(1).Count(l => l.Length > 0) : 0; }
        catch (IOException) { return 0; }
    }
}
