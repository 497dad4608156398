using System.Diagnostics;
using ClinicaDl.Networks;
using ClinicaDl.Slices;
using static TorchSharp.torch;

namespace TrainBench;

/// <summary>
/// <c>slices</c> mode: what slice mode's cache costs, to choose its storage (issue "slice mode").
/// On one synthetic 169×208×179 image: (1) preparing every used slice of one image (cut, min-max, ×255, Pillow
/// bilinear to 224²), per direction; (2) turning a batch of cached slices into the (B, 3, 224, 224) float32 input,
/// from uint8 planes and from float32 planes; (3) one resnet18 training step (forward, backward, Adam on the
/// trainable layers) and one evaluation step on that batch. Prints medians and the ratios (2)/(3).
/// </summary>
internal static class SliceBench
{
    public static int Run(Options o)
    {
        set_num_threads(o.Threads);
        int[] shape = [169, 208, 179];
        var rng = new Random(1);
        var image = new float[shape[0] * shape[1] * shape[2]];
        for (int z = 0; z < shape[2]; z++)
            for (int y = 0; y < shape[1]; y++)
                for (int x = 0; x < shape[0]; x++)
                    image[x + shape[0] * (y + shape[1] * z)] = (float)(500 * Math.Sin(x / 9.0) * Math.Cos(y / 13.0) + 3 * z + 40 * rng.NextDouble());

        Console.WriteLine($"slices: threads {o.Threads}, batch {o.BatchSize}, repeat {o.Repeat}");
        foreach (var direction in Enum.GetValues<SliceDirection>())
        {
            var range = SliceRange.From(direction, [SliceRange.DefaultDiscarded]);
            int count = range.Count(shape);
            var planes = new byte[count * SliceExtractor.PlaneSize];
            double seconds = Median(o.Repeat, () =>
            {
                for (int k = 0; k < count; k++)
                    SliceExtractor.Prepare(image, shape, direction, range.SliceId(k), planes.AsSpan(k * SliceExtractor.PlaneSize, SliceExtractor.PlaneSize));
            });
            Console.WriteLine($"prepare {direction,-8}: {count} slices in {seconds * 1000:F0} ms ({seconds / count * 1000:F2} ms a slice); cache per image: uint8 {count * SliceExtractor.PlaneSize / 1e6:F1} MB, float32 plane {count * SliceExtractor.PlaneSize * 4 / 1e6:F1} MB, float32 (3,224,224) {count * SliceExtractor.InputSize * 4 / 1e6:F1} MB");
        }

        int b = o.BatchSize;
        var bytePlanes = new byte[b * SliceExtractor.PlaneSize];
        rng.NextBytes(bytePlanes);
        var floatPlanes = bytePlanes.Select(v => v / 255f).ToArray();
        var input = new float[b * SliceExtractor.InputSize];
        double fromBytes = Median(o.Repeat * 5, () =>
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < b; i++)
                SliceExtractor.ToInput(bytePlanes.AsSpan(i * SliceExtractor.PlaneSize, SliceExtractor.PlaneSize), input.AsSpan(i * SliceExtractor.InputSize, SliceExtractor.InputSize));
            _ = tensor(input, [b, 3, 224, 224]);
        });
        double fromFloats = Median(o.Repeat * 5, () =>
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < b; i++)
            {
                var plane = floatPlanes.AsSpan(i * SliceExtractor.PlaneSize, SliceExtractor.PlaneSize);
                for (int c = 0; c < 3; c++) plane.CopyTo(input.AsSpan(i * SliceExtractor.InputSize + c * SliceExtractor.PlaneSize, SliceExtractor.PlaneSize));
            }
            _ = tensor(input, [b, 3, 224, 224]);
        });

        manual_seed(0);
        using var net = new ResNet18();
        var optimizer = optim.Adam(net.TrainableParameters(), 1e-4);
        var batch = rand(b, 3, 224, 224);
        var labels = tensor(Enumerable.Range(0, b).Select(i => (long)(i % 2)).ToArray());
        net.train();
        double train = Median(o.Repeat, () =>
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            nn.functional.cross_entropy(net.call(batch), labels, reduction: nn.Reduction.Sum).backward();
            optimizer.step();
        });
        net.eval();
        double eval = Median(o.Repeat, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _ = nn.functional.softmax(net.call(batch), 1).argmax(1).data<long>().ToArray();
        });
        Console.WriteLine($"batch input from uint8 planes: {fromBytes * 1000:F2} ms; from float32 planes: {fromFloats * 1000:F2} ms");
        Console.WriteLine($"resnet18 step: train {train * 1000:F0} ms, eval {eval * 1000:F0} ms");
        Console.WriteLine($"ratio uint8 assembly / train step: {fromBytes / train:F4}; / eval step: {fromBytes / eval:F4}; (uint8 − float32 assembly) / train step: {(fromBytes - fromFloats) / train:F4}");
        return 0;
    }

    private static double Median(int repeat, Action action)
    {
        action(); // warm-up
        var times = new List<double>();
        var sw = new Stopwatch();
        for (int r = 0; r < Math.Max(1, repeat); r++)
        {
            sw.Restart();
            action();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
