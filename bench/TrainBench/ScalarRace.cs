using System.Diagnostics;
using ClinicaDl.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace TrainBench;

/// <summary>
/// The <c>scalar-race</c> mode: how often an operation fails when another thread keeps collecting garbage, for
/// TorchSharp's operations that pass LibTorch a temporary <see cref="Scalar"/> (<c>x + y</c>, BatchNorm3d's training
/// forward) against the library's that hold theirs (<see cref="HeldScalars"/>). A collection between TorchSharp reading
/// the temporary's handle and LibTorch reading the scalar finalizes it: LibTorch then reads freed memory (usually
/// "Expected false to be true … toFloat", possibly a crash of the whole process).
/// </summary>
internal static class ScalarRace
{
    public static int Run(Options o)
    {
        set_num_threads(1);
        Console.WriteLine($"TrainBench scalar-race: {o.Timed} s per variant, tensors 2×64×16³, one thread collecting garbage in a loop");
        Console.WriteLine($"machine: {Machine.Describe()}");
        Console.WriteLine("variant                                   ops     GCs  failures  per 10k ops  first failure");
        using var scope = NewDisposeScope();
        var x = randn([2, 64, 16, 16, 16]);
        var y = randn([2, 64, 16, 16, 16]);
        var theirs = nn.BatchNorm3d(64);
        var ours = BatchNormalization.Of3d(64);
        theirs.train();
        ours.train();
        var variants = new (string Name, Func<Tensor> Op)[]
        {
            ("x + y (TorchSharp, temporary alpha)", () => x + y),
            ("x.add(y, HeldScalars.One)", () => x.add(y, HeldScalars.One)),
            ("nn.BatchNorm3d forward (TorchSharp)", () => theirs.call(x)),
            ("BatchNormalization.Of3d forward", () => ours.call(x)),
        };
        foreach (var (name, op) in variants)
        {
            bool stop = false;
            long collections = 0;
            var collector = new Thread(() =>
            {
                while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); collections++; }
            }) { IsBackground = true };
            collector.Start();
            long ops = 0, failures = 0;
            string? first = null;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < o.Timed)
            {
                using var step = NewDisposeScope();
                try { op(); }
                catch (Exception e) { failures++; first ??= e.Message.Split('\n')[0]; }
                ops++;
            }
            Volatile.Write(ref stop, true);
            collector.Join();
            Console.WriteLine($"{name,-38} {ops,8} {collections,7} {failures,9} {1e4 * failures / ops,12:F2}  {first ?? "-"}");
        }
        return 0;
    }
}
