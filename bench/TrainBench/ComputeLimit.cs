using System.Diagnostics;
using ClinicaDl.Networks;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace TrainBench;

/// <summary>How many steps one epoch of a network runs: training batches, then the two evaluation passes.</summary>
/// <param name="TrainElements">Training elements (ROI patches) of the network.</param>
/// <param name="ValidElements">Validation elements.</param>
/// <param name="BatchSize"><c>--batch_size</c>.</param>
/// <param name="EvalBatchSize"><c>--eval_batch_size</c> (the CLI's default is the batch size).</param>
/// <param name="Side">ROI side (50 for the default hippocampus cubes).</param>
internal sealed record EpochShape(int TrainElements, int ValidElements, int BatchSize, int EvalBatchSize, int Side = 50)
{
    public int TrainSteps => Ceil(TrainElements, BatchSize);

    public int EvalSteps => Ceil(TrainElements, EvalBatchSize) + Ceil(ValidElements, EvalBatchSize);

    /// <summary>Batch sizes of a pass over <paramref name="count"/> elements (the last may be short).</summary>
    public static IEnumerable<int> Batches(int count, int size)
    {
        for (int start = 0; start < count; start += size) yield return Math.Min(size, count - start);
    }

    private static int Ceil(int a, int b) => (a + b - 1) / b;
}

/// <summary>
/// The compute-only limit (b): what an epoch of <c>clinicadl train</c> costs when the batches are already tensors in
/// memory. Same network (the library's <see cref="Conv4Fc3"/>, <see cref="AutoEncoder"/>, <see cref="ResNet18"/> or
/// Conv5_FC3, by <see cref="ComputeKind"/>), same
/// batch shapes, Adam with ClinicaDL's settings, summed cross-entropy (or MSE), one dispose scope per step, and the
/// same two evaluation passes (train set, validation set) under no_grad, with softmax/argmax pulled back to managed
/// arrays as ClassificationTask does (the MSE only for the autoencoder, as ReconstructionTask does).
/// </summary>
internal static class ComputeLimit
{
    /// <summary>Wall and process CPU seconds of each epoch.</summary>
    /// <remarks>With <paramref name="tunedMalloc"/>, malloc gets the policy the training process picks for these batches (NativeHeap).</remarks>
    public static (double[] Wall, double[] Cpu) Run(IReadOnlyList<EpochShape> networks, int epochs, int threads, ComputeKind kind, bool tunedMalloc = true)
    {
        set_num_threads(threads);
        var wall = new double[epochs];
        var cpu = new double[epochs];
        // multicnn trains its networks one after the other: the per-epoch figure is the sum of theirs.
        foreach (var net in networks)
        {
            var (w, c) = RunNetwork(net, epochs, kind, tunedMalloc);
            for (int e = 0; e < epochs; e++) { wall[e] += w[e]; cpu[e] += c[e]; }
        }
        return (wall, cpu);
    }

    private static (double[] Wall, double[] Cpu) RunNetwork(EpochShape shape, int epochs, ComputeKind kind, bool tunedMalloc)
    {
        manual_seed(1234);
        bool autoencoder = kind == ComputeKind.AutoEncoder;
        using nn.Module<Tensor, Tensor> model = kind switch
        {
            ComputeKind.AutoEncoder => new AutoEncoder(),
            ComputeKind.ResNet18 => new ResNet18(),
            ComputeKind.Conv5Fc3 => Architecture.Conv5Fc3.CreateCnn(0),
            _ => new Conv4Fc3(0),
        };
        Tensor Loss(Tensor x, Tensor y) => autoencoder
            ? nn.functional.mse_loss(model.call(x), x)
            : nn.functional.cross_entropy(model.call(x), y, reduction: nn.Reduction.Sum);
        // As the training (AdamState): the optimizer receives the trainable parameters (resnet18 freezes conv1…layer3),
        // and the update is the library's AdamState.Step.
        using var optimizer = AdamState.Create(model, 1e-4, 1e-4);
        var generator = new Random(42);
        long[] Dims(int b) => kind switch
        {
            ComputeKind.ResNet18 => [b, 3, ResNet18.InputSide, ResNet18.InputSide],
            ComputeKind.Conv5Fc3 => [b, 1, .. ClinicaDl.Caps.CapsLayout.CroppedShape.Select(n => (long)n)],
            _ => [b, 1, shape.Side, shape.Side, shape.Side],
        };
        if (tunedMalloc)
        {
            long batchBytes = Math.Max(shape.BatchSize, shape.EvalBatchSize) * Dims(1).Aggregate(1L, (a, b) => a * b) * sizeof(float);
            if (NativeHeap.ForTraining(batchBytes) == HeapPolicy.GlibcDefaults) Console.Error.WriteLine("trainbench: --malloc tuned: mallopt not available, glibc defaults kept");
        }
        // Random, [0,1]-valued like min-max-normalised patches; built before the clock starts, as managed arrays that each
        // step copies into a tensor (as the training's BatchTensors.Input does from its cache): batches held as LibTorch
        // tensors would sit in malloc's heap between the activations, which the training's never do (at 25 MB an image,
        // image mode's 30 batches of N = 20 made that heap fragment and every epoch 3x slower than the training's).
        var trainBatches = EpochShape.Batches(shape.TrainElements, shape.BatchSize).Select(b => (X: Batch(Dims(b), generator), Y: Labels(b, generator))).ToList();
        var evalTrain = EpochShape.Batches(shape.TrainElements, shape.EvalBatchSize).Select(b => (X: Batch(Dims(b), generator), Y: Labels(b, generator))).ToList();
        var evalValid = EpochShape.Batches(shape.ValidElements, shape.EvalBatchSize).Select(b => (X: Batch(Dims(b), generator), Y: Labels(b, generator))).ToList();
        var times = new double[epochs];
        var cpu = new double[epochs];
        using var self = Process.GetCurrentProcess();
        try
        {
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                self.Refresh();
                var cpu0 = self.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                model.train();
                optimizer.zero_grad();
                int step = 0;
                foreach (var (x, y) in trainBatches)
                {
                    using (NewDisposeScope())
                    {
                        manual_seed(epoch * 100_000 + step++);
                        var loss = Loss(x.Tensor(), y);
                        loss.backward();
                        double value = loss.to(ScalarType.Float64).item<double>();
                        if (!double.IsFinite(value)) throw new InvalidOperationException("loss diverged");
                    }
                    AdamState.Step(optimizer, model, 1e-4, 1e-4);
                    optimizer.zero_grad();
                }
                optimizer.zero_grad();
                Evaluate(model, evalTrain, autoencoder);
                Evaluate(model, evalValid, autoencoder);
                times[epoch] = clock.Elapsed.TotalSeconds;
                self.Refresh();
                cpu[epoch] = (self.TotalProcessorTime - cpu0).TotalSeconds;
            }
        }
        finally
        {
            foreach (var (_, y) in trainBatches.Concat(evalTrain).Concat(evalValid)) y.Dispose();
        }
        return (times, cpu);
    }

    private static void Evaluate(nn.Module<Tensor, Tensor> model, IReadOnlyList<(HostBatch X, Tensor Y)> batches, bool autoencoder)
    {
        model.eval();
        double total = 0;
        using var noGrad = no_grad();
        foreach (var (host, y) in batches)
        {
            using var scope = NewDisposeScope();
            var x = host.Tensor();
            if (autoencoder)
            {
                total += nn.functional.mse_loss(model.call(x), x).to(ScalarType.Float64).item<double>() * x.shape[0];
                continue;
            }
            var logits = model.call(x);
            total += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to(ScalarType.Float64).item<double>();
            var probabilities = nn.functional.softmax(logits.to(ScalarType.Float32), 1).cpu().data<float>().ToArray();
            var predicted = logits.argmax(1).cpu().data<long>().ToArray();
            GC.KeepAlive(probabilities);
            GC.KeepAlive(predicted);
        }
        if (!double.IsFinite(total)) throw new InvalidOperationException("evaluation loss is not finite");
    }

    /// <summary>A batch's voxels in managed memory and its shape.</summary>
    private sealed record HostBatch(float[] Data, long[] Dims)
    {
        /// <summary>A new tensor holding a copy (disposed with the step's scope).</summary>
        public Tensor Tensor() => tensor(Data, Dims);
    }

    private static HostBatch Batch(long[] dims, Random generator)
    {
        var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = generator.NextSingle();
        return new HostBatch(data, dims);
    }

    private static Tensor Labels(int count, Random generator)
        => tensor(Enumerable.Range(0, count).Select(_ => (long)generator.Next(2)).ToArray(), ScalarType.Int64);
}
