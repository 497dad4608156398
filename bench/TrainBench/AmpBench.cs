using System.Diagnostics;
using System.Reflection;
using ClinicaDl.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace TrainBench;

/// <summary>
/// The <c>amp</c> mode: is <c>--amp</c> (bfloat16 mixed precision) worth having on this CPU? Times a Conv4_FC3 training
/// step (forward + backward + Adam, batch 8, 1×50³) in float32 and in bfloat16 mixed precision at 1 and 2 LibTorch
/// threads, and compares 50-step loss curves on random but learnable data.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 has no autocast (checked below by reflection), so mixed precision is done by hand, the way
/// autocast does it: the float32 parameters stay the master weights (Adam updates them, in float32); convolutions
/// and linear layers run in bfloat16 on bfloat16 casts of their input and of the weights (<c>weight.to(BFloat16)</c>
/// is differentiable, so the gradients flow back to the float32 parameters as float32); BatchNorm (parameters and
/// running statistics) and the cross-entropy run in float32.
/// </remarks>
internal static class AmpBench
{
    private const int Batch = 8, Side = 50;

    public static int Run(Options o)
    {
        Console.WriteLine($"TrainBench amp: Conv4_FC3 training step (forward + backward + Adam), batch {Batch}, 1×{Side}³");
        Console.WriteLine($"machine: {Machine.Describe()}");
        Console.WriteLine($"autocast in TorchSharp {typeof(torch).Assembly.GetName().Version}: {AutocastApi()}");
        double single = ExactConvolution.SingleChannelHalfError(ScalarType.BFloat16);
        Console.WriteLine($"first convolution (one input channel) under --amp: {(ClinicaDl.Training.PrecisionMode.FirstConvolutionInBf16() ? "bfloat16" : "float32, with its block")} (LibTorch's bfloat16 kernel for it: relative error {single:0.####} against float32, limit {ExactConvolution.HalfTolerance})");
        Console.WriteLine();

        // Step time: float32 vs mixed bfloat16, 1 vs 2 threads; the variants alternate within each repeat.
        var variants = new (string Name, int Threads, bool Amp)[]
        {
            ("float32, 1 thread", 1, false), ("float32, 2 threads", 2, false),
            ("bf16 mixed, 1 thread", 1, true), ("bf16 mixed, 2 threads", 2, true),
        };
        var times = variants.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < o.Repeat; r++)
            for (int v = 0; v < variants.Length; v++)
                times[v].Add(StepMilliseconds(variants[v].Threads, variants[v].Amp, o.Timed));
        Console.WriteLine($"median step time over {o.Repeat} repeat(s) of {o.Timed} timed steps (after 3 warm-up steps):");
        for (int v = 0; v < variants.Length; v++)
            Console.WriteLine($"  {variants[v].Name,-22} {TrainCommand.Median(times[v]),8:F1} ms   (repeats: {string.Join(" ", times[v].Select(t => t.ToString("F1")))})");
        double f1 = TrainCommand.Median(times[0]), f2 = TrainCommand.Median(times[1]);
        double b1 = TrainCommand.Median(times[2]), b2 = TrainCommand.Median(times[3]);
        Console.WriteLine($"  speed-up bf16 mixed vs float32: {f1 / b1:F2}× at 1 thread, {f2 / b2:F2}× at 2 threads");
        Console.WriteLine($"  2 threads vs 1: float32 {f1 / f2:F2}×, bf16 mixed {b1 / b2:F2}×");
        Console.WriteLine();

        Numerics(o.Steps, Environment.ProcessorCount);
        return 0;
    }

    /// <summary>Names of anything autocast-like that TorchSharp exposes (types, or methods of <c>torch</c>).</summary>
    private static string AutocastApi()
    {
        var assembly = typeof(torch).Assembly;
        var types = assembly.GetTypes().Where(t => t.Name.Contains("autocast", StringComparison.OrdinalIgnoreCase) || t.Name.Contains("GradScaler", StringComparison.OrdinalIgnoreCase)).Select(t => t.FullName!);
        var methods = assembly.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.Name.Contains("autocast", StringComparison.OrdinalIgnoreCase)).Select(m => $"{m.DeclaringType!.Name}.{m.Name}");
        var found = types.Concat(methods).Distinct().ToList();
        return found.Count == 0 ? "none (no type or method named *autocast*/*GradScaler*): mixed precision is done by hand" : string.Join(", ", found);
    }

    private static double StepMilliseconds(int threads, bool amp, int timed)
    {
        set_num_threads(threads);
        manual_seed(7);
        using var model = new Conv4Fc3(0);
        using var optimizer = optim.Adam(model.parameters(), 1e-4, 0.9, 0.999, 1e-8, 1e-4);
        using var x = rand([Batch, 1, Side, Side, Side]);
        using var y = tensor(Enumerable.Range(0, Batch).Select(i => (long)(i % 2)).ToArray());
        model.train();
        for (int i = 0; i < 3; i++) Step(model, optimizer, x, y, amp);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < timed; i++) Step(model, optimizer, x, y, amp);
        return sw.Elapsed.TotalMilliseconds / timed;
    }

    /// <summary>One training step in its own dispose scope; returns the summed cross-entropy.</summary>
    private static double Step(Conv4Fc3 model, optim.Optimizer optimizer, Tensor x, Tensor y, bool amp)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var logits = amp ? model.ForwardMixed(x, ScalarType.BFloat16) : model.call(x);
        var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), y, reduction: nn.Reduction.Sum);
        loss.backward();
        optimizer.step();
        return loss.to(ScalarType.Float64).item<double>();
    }

    /// <summary>50 steps from the same initial weights on the same learnable batches, float32 vs bf16 mixed.</summary>
    private static void Numerics(int steps, int threads)
    {
        set_num_threads(threads);
        // 64 random patches in [0, 0.5); class 1 has +0.1 in a central 20³ box: learnable, not trivial at step 0.
        manual_seed(11);
        using var data = rand([64, 1, Side, Side, Side]) * 0.5;
        var labels = Enumerable.Range(0, 64).Select(i => (long)(i % 2)).ToArray();
        using (no_grad())
            for (int i = 1; i < 64; i += 2)
                data[i, 0, TensorIndex.Slice(15, 35), TensorIndex.Slice(15, 35), TensorIndex.Slice(15, 35)].add_(0.1);
        using var y = tensor(labels);

        const double lr = 1e-4; // ClinicaDL's default
        var curves = new Dictionary<bool, List<double>>();
        var accuracy = new Dictionary<bool, double>();
        foreach (bool amp in new[] { false, true })
        {
            manual_seed(3);
            using var model = new Conv4Fc3(0);
            using var optimizer = optim.Adam(model.parameters(), lr, 0.9, 0.999, 1e-8, 1e-4);
            model.train();
            var curve = new List<double>();
            for (int s = 0; s < steps; s++)
            {
                int b = s % 8;
                using var xb = data[TensorIndex.Slice(b * Batch, (b + 1) * Batch)];
                using var yb = y[TensorIndex.Slice(b * Batch, (b + 1) * Batch)];
                curve.Add(Step(model, optimizer, xb, yb, amp) / Batch);
            }
            curves[amp] = curve;
            model.eval();
            using (no_grad())
            using (NewDisposeScope())
            {
                var logits = amp ? model.ForwardMixed(data, ScalarType.BFloat16) : model.call(data);
                accuracy[amp] = logits.to(ScalarType.Float32).argmax(1).eq(y).to(ScalarType.Float64).mean().item<double>();
            }
        }

        var (cosine, relative, worst) = GradientAgreement();
        Console.WriteLine($"numerics: {steps} steps, lr {lr:G}, batch {Batch}, 64 learnable random patches (class 1: +0.1 in a central 20³ box), same initial weights");
        Console.WriteLine($"  first-step gradients, bf16 mixed vs float32: cosine similarity {cosine:F5}, relative L2 difference {relative:E2}; least similar weight: {worst}");
        Console.WriteLine("  step | loss float32 | loss bf16 mixed | difference");
        for (int s = 0; s < steps; s++)
            if (s % 5 == 0 || s == steps - 1)
                Console.WriteLine($"  {s + 1,4} | {curves[false][s],12:F5} | {curves[true][s],15:F5} | {curves[true][s] - curves[false][s],+10:F5}");
        double meanFirst = curves[false].Take(8).Average(), meanLast = curves[false].TakeLast(8).Average();
        double meanFirstB = curves[true].Take(8).Average(), meanLastB = curves[true].TakeLast(8).Average();
        Console.WriteLine($"  mean loss of the first / last 8 steps: float32 {meanFirst:F4} → {meanLast:F4}, bf16 mixed {meanFirstB:F4} → {meanLastB:F4}");
        Console.WriteLine($"  max |loss difference| over the run: {curves[false].Zip(curves[true], (a, b) => Math.Abs(a - b)).Max():F5}");
        Console.WriteLine($"  accuracy on the 64 patches after training (eval mode): float32 {accuracy[false]:P1}, bf16 mixed {accuracy[true]:P1}");
    }

    /// <summary>Cosine similarity and relative L2 difference of the whole first-step gradient, bf16 mixed vs float32, and the least similar parameter.</summary>
    private static (double Cosine, double Relative, string Worst) GradientAgreement()
    {
        manual_seed(5);
        using var model = new Conv4Fc3(0);
        model.train();
        manual_seed(6);
        using var x = rand([Batch, 1, Side, Side, Side]);
        using var y = tensor(Enumerable.Range(0, Batch).Select(i => (long)(i % 2)).ToArray());
        var names = model.named_parameters().Select(p => p.name).ToList();
        List<Tensor> Gradient(bool amp)
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            var logits = amp ? model.ForwardMixed(x, ScalarType.BFloat16) : model.call(x);
            nn.functional.cross_entropy(logits.to(ScalarType.Float32), y, reduction: nn.Reduction.Sum).backward();
            return model.parameters().Select(p => p.grad!.flatten().to(ScalarType.Float64).MoveToOuterDisposeScope()).ToList();
        }
        // In train mode BatchNorm uses the batch statistics, so the second pass sees the same function despite the updated running statistics.
        var g32 = Gradient(false);
        var g16 = Gradient(true);
        using var all32 = cat(g32, 0);
        using var all16 = cat(g16, 0);
        static double Cos(Tensor a, Tensor b) => (a.dot(b) / (a.norm() * b.norm() + 1e-300)).item<double>();
        double cosine = Cos(all32, all16);
        double relative = (all16 - all32).norm().item<double>() / all32.norm().item<double>();
        var perParameter = names.Select((n, i) => (Name: n, Cos: Cos(g32[i], g16[i]))).ToList();
        // Conv biases right before a BatchNorm have a gradient of zero up to rounding (BN removes the mean), so their
        // direction is noise in either precision: the least similar parameter is taken among the weights.
        var worst = perParameter.Where(p => p.Name.EndsWith("weight", StringComparison.Ordinal)).MinBy(p => p.Cos);
        foreach (var t in g32.Concat(g16)) t.Dispose();
        return (cosine, relative, $"{worst.Name} {worst.Cos:F4}");
    }
}
