using System.Diagnostics;
using ClinicaDl.Networks;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TrainBench;

/// <summary>
/// The <c>conv</c> mode: LibTorch's default 3-D convolution against <see cref="ExactConvolution"/> (channels-last), for
/// Conv4_FC3's layers at a training batch: relative error of the forward pass, the input and the weight gradient
/// against float64, and the time of a forward and of a forward + backward, the two variants alternating.
/// </summary>
internal static class ConvBench
{
    public static int Run(Options o)
    {
        set_num_threads(o.Threads);
        Console.WriteLine($"TrainBench conv: Conv4_FC3's convolutions, batch {o.BatchSize}, {o.Threads} thread(s), {o.Repeat} repeats (median ms)");
        Console.WriteLine($"machine: {Machine.Describe()}");
        Console.WriteLine("layer            variant   forward  input-grad  weight-grad   fwd ms  fwd+bwd ms");
        foreach (var (input, output, side) in new[] { (1, 15, 50), (15, 25, 24), (25, 50, 11), (50, 50, 4) })
        {
            using var scope = NewDisposeScope();
            manual_seed(1);
            var x64 = randn([o.BatchSize, input, side, side, side], ScalarType.Float64);
            var w64 = randn([output, input, 3, 3, 3], ScalarType.Float64).mul(0.1);
            var b64 = randn([output], ScalarType.Float64);
            var g64 = randn([o.BatchSize, output, side - 2, side - 2, side - 2], ScalarType.Float64);
            var xr = x64.clone().requires_grad_();
            var wr = w64.clone().requires_grad_();
            var yr = F.conv3d(xr, wr, b64);
            yr.backward([g64]);
            var (x, w, b, g) = (x64.to(ScalarType.Float32), w64.to(ScalarType.Float32), b64.to(ScalarType.Float32), g64.to(ScalarType.Float32));
            var variants = new (string Name, Func<Tensor, Tensor, Tensor> Conv)[]
            {
                ("default", (xi, wi) => F.conv3d(xi, wi, b)),
                ("exact", (xi, wi) => ExactConvolution.Conv3d(xi, wi, b)),
            };
            var forward = variants.Select(_ => new List<double>()).ToArray();
            var both = variants.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r < o.Repeat; r++)
                for (int v = 0; v < variants.Length; v++)
                {
                    using var step = NewDisposeScope();
                    var sw = Stopwatch.StartNew();
                    using (no_grad()) variants[v].Conv(x, w);
                    forward[v].Add(sw.Elapsed.TotalMilliseconds);
                    var xi = x.detach().requires_grad_();
                    var wi = w.detach().requires_grad_();
                    sw.Restart();
                    variants[v].Conv(xi, wi).backward([g]);
                    both[v].Add(sw.Elapsed.TotalMilliseconds);
                }
            for (int v = 0; v < variants.Length; v++)
            {
                var xi = x.detach().requires_grad_();
                var wi = w.detach().requires_grad_();
                var y = variants[v].Conv(xi, wi);
                y.backward([g]);
                Console.WriteLine($"{input,2} -> {output,2} ({side}³)  {variants[v].Name,-8} {Relative(y, yr),8:E1}  {Relative(xi.grad!, xr.grad!),10:E1}  {Relative(wi.grad!, wr.grad!),11:E1}  {Median(forward[v]),7:F1}  {Median(both[v]),10:F1}");
            }
        }
        Console.WriteLine("errors: largest absolute difference from float64 / largest float64 value; a single-channel input's gradient is not used in training.");
        return 0;
    }

    private static double Relative(Tensor value, Tensor reference) =>
        ((value.to(ScalarType.Float64) - reference).abs().max() / reference.abs().max()).item<double>();

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
