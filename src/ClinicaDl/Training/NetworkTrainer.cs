using System.Diagnostics;
using System.Globalization;
using ClinicaDl.Common;
using ClinicaDl.Data;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Outputs;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>One network to train: its identity and its train and validation elements.</summary>
internal sealed record NetworkPlan(NetworkId Id, IReadOnlyList<RoiSample> Train, IReadOnlyList<RoiSample> Valid);

/// <summary>How a network's training ended.</summary>
internal sealed record NetworkOutcome(NetworkId Id, int EpochsRun, bool StoppedEarly, int BestAccuracyEpoch, int BestLossEpoch);

/// <summary>The epoch loop of spec §6.4 (§6.6 for the autoencoder) for one network: a loop, not a manager.</summary>
/// <remarks>
/// Adam with ClinicaDL's settings; gradients summed over <c>--accumulation_steps</c> batches; mid-epoch evaluations
/// every <c>--evaluation_steps</c> batches (on update iterations only); model selection at epoch ends only, by strictly
/// better validation balanced accuracy and strictly lower validation loss; early stopping on the validation loss.
/// Every step runs in its own dispose scope; every random draw is derived from the seed and the step's position
/// (<see cref="Seeds"/>). Checkpoints, best models, training.tsv and event files are written atomically.
/// </remarks>
internal sealed class NetworkTrainer
{
    private readonly TrainRoiOptions options;
    private readonly ResultsTree tree;
    private readonly PatchCache cache;
    private readonly ITrainingTask task;
    private readonly Device device;
    private readonly ITrainingObserver observer;
    private readonly TimeProvider time;

    public NetworkTrainer(TrainRoiOptions options, ResultsTree tree, PatchCache cache, ITrainingTask task, Device device, ITrainingObserver observer, TimeProvider time)
    {
        this.options = options;
        this.tree = tree;
        this.cache = cache;
        this.task = task;
        this.device = device;
        this.observer = observer;
        this.time = time;
    }

    public NetworkOutcome Train(NetworkPlan plan, CancellationToken cancel)
    {
        var o = options.Optimization;
        var id = plan.Id;
        int fold = id.Fold, network = id.Network ?? -1;
        int batchSize = options.Computational.BatchSize;
        int stepsPerEpoch = (plan.Train.Count + batchSize - 1) / batchSize;
        var model = task.Model;
        NativeHeap.KeepFreedMemory(); // reuse LibTorch's large buffers between steps instead of re-faulting them in
        using var optimizer = AdamState.Create(model, o.LearningRate, o.WeightDecay);
        var sampler = new TrainSampler(plan.Train, options.Data.Sampler, Seeds.Stream(options.Seed, "sampler", fold, network, 0));
        var augmentation = new Augmentation(options.Data.DataAugmentation ?? []);
        var stopping = new EarlyStopping(o.Patience, o.Tolerance);
        string modelDir = tree.Models(fold, id.Network);
        Directory.CreateDirectory(modelDir);
        using var log = new TrainingLog(tree.TrainingTsv(fold, id.Network), tree.TensorBoard(fold, id.Network), task.Classifies, time.GetUtcNow());

        double bestBacc = -1, bestLoss = double.PositiveInfinity;
        int bestBaccEpoch = -1, bestLossEpoch = -1;
        double? lastValidLoss = null;
        int epoch = 0;
        var clock = Stopwatch.StartNew();
        observer.NetworkStarted(id, o.Epochs, stepsPerEpoch, plan.Train.Count, plan.Valid.Count);

        while (epoch < o.Epochs && !stopping.Step(lastValidLoss))
        {
            model.train();
            optimizer.zero_grad();
            bool stepped = false, evaluatedMid = false;
            int lastIteration = -1;
            sampler.Rng = Seeds.Stream(options.Seed, "sampler", fold, network, epoch);
            var order = sampler.NextEpoch();
            using (var stream = new BatchStream(cache, order, batchSize, augmentation,
                       b => Seeds.Stream(options.Seed, "augment", fold, network, epoch, b)))
            {
                foreach (var batch in stream.Batches(cancel))
                {
                    int i = batch.Index;
                    lastIteration = i;
                    double lossValue = TrainStep(batch, fold, network, epoch);
                    if (!double.IsFinite(lossValue))
                        throw new TrainingFailedException(
                            $"{id}: the training loss is {lossValue.ToString(CultureInfo.InvariantCulture)} at epoch {epoch}, step {i}: training diverged. " +
                            $"The best models saved so far are kept in {modelDir}. Try a lower --learning_rate.");
                    if ((i + 1) % o.AccumulationSteps == 0)
                    {
                        optimizer.step();
                        optimizer.zero_grad();
                        stepped = true;
                        if (options.Computational.EvaluationSteps != 0 && (i + 1) % options.Computational.EvaluationSteps == 0)
                        {
                            evaluatedMid = true;
                            var (tr, va) = EvaluateBoth(plan, cancel);
                            Log(log, id, epoch, i, false, clock.Elapsed.TotalSeconds, tr, va, i + (long)epoch * stepsPerEpoch, false, false);
                            model.train();
                        }
                    }
                    observer.StepCompleted(new StepReport(id, epoch, i, stepsPerEpoch, task.LossIsSummed ? lossValue / batch.Count : lossValue, cache.CachedCount, cache.Sessions.Count));
                }
            }
            if (!stepped)
                throw new TrainingFailedException($"{id}: the model has not been updated once in epoch {epoch}; --accumulation_steps ({o.AccumulationSteps}) is larger than the {stepsPerEpoch} batches of an epoch.");
            if (options.Computational.EvaluationSteps != 0 && !evaluatedMid)
                observer.Message(MessageLevel.Warning, $"{id}: no evaluation happened during epoch {epoch}: --evaluation_steps ({options.Computational.EvaluationSteps}) is larger than the batches of an epoch or never falls on an update.");
            optimizer.zero_grad(); // a partial accumulation at the end of the epoch is discarded (spec §6.4)

            var (trainResult, validResult) = EvaluateBoth(plan, cancel);
            double validLoss = task.Classifies ? validResult.MeanLoss : validResult.TotalLoss;
            bool accBest = task.Classifies && validResult.BalancedAccuracy!.Value > bestBacc;
            bool lossBest = validLoss < bestLoss;
            if (accBest) { bestBacc = validResult.BalancedAccuracy!.Value; bestBaccEpoch = epoch; }
            if (lossBest) { bestLoss = validLoss; bestLossEpoch = epoch; }
            long tbStep = task.Classifies ? (epoch + 1L) * stepsPerEpoch : (epoch + 1L) * stepsPerEpoch - 1;
            Log(log, id, epoch, lastIteration, true, clock.Elapsed.TotalSeconds, trainResult, validResult, tbStep, accBest, lossBest);
            SaveCheckpoints(id, model, optimizer, epoch, validLoss, validResult.BalancedAccuracy, accBest, lossBest);
            lastValidLoss = task.Classifies ? validResult.MeanLoss : validResult.TotalLoss;
            epoch++;
        }
        bool stoppedEarly = epoch < o.Epochs;
        File.Delete(tree.Checkpoint(fold, id.Network));
        File.Delete(tree.Optimizer(fold, id.Network));
        observer.NetworkCompleted(id, epoch, stoppedEarly);
        return new NetworkOutcome(id, epoch, stoppedEarly, bestBaccEpoch, bestLossEpoch);
    }

    /// <summary>Forward, loss and backward of one batch in its own dispose scope; returns the loss value.</summary>
    private double TrainStep(Batch batch, int fold, int network, int epoch)
    {
        using var scope = NewDisposeScope();
        // Dropout draws from LibTorch's generator: seed it from the step's position so a resumed run draws the same masks.
        manual_seed(Seeds.TorchSeed(options.Seed, "step", fold, network, epoch, batch.Index));
        var input = BatchTensors.Input(batch, device);
        var labels = BatchTensors.Labels(batch, device);
        var loss = task.TrainingLoss(input, labels);
        loss.backward();
        return loss.to(ScalarType.Float64).item<double>();
    }

    private (PassResult Train, PassResult Valid) EvaluateBoth(NetworkPlan plan, CancellationToken cancel)
    {
        int batch = options.EvalBatchSize;
        var train = task.Evaluate(cache, plan.Train, batch, cancel);
        var valid = task.Evaluate(cache, plan.Valid, batch, cancel);
        return (train, valid);
    }

    private void Log(TrainingLog log, NetworkId id, int epoch, int iteration, bool endOfEpoch, double seconds,
        PassResult train, PassResult valid, long step, bool accBest, bool lossBest)
    {
        double trainLoss = train.MeanLoss, validLoss = valid.MeanLoss;
        log.Add(epoch, iteration, seconds, trainLoss, validLoss, train.BalancedAccuracy, valid.BalancedAccuracy, step, time.GetUtcNow());
        log.Flush();
        observer.EvaluationCompleted(new EpochReport(id, epoch, iteration, endOfEpoch, seconds, trainLoss, validLoss,
            train.BalancedAccuracy, valid.BalancedAccuracy, accBest, lossBest, options.Optimization.Epochs));
    }

    private void SaveCheckpoints(NetworkId id, nn.Module model, TorchSharp.Modules.Adam optimizer, int epoch, double validLoss, double? validBacc, bool accBest, bool lossBest)
    {
        using var scope = NewDisposeScope();
        var checkpoint = new Dictionary<string, object?>
        {
            ["model"] = ModelState.StateDict(model),
            ["epoch"] = (long)epoch,
            ["valid_loss"] = validLoss,
        };
        if (validBacc is double bacc) checkpoint["valid_acc"] = bacc;
        string checkpointPath = tree.Checkpoint(id.Fold, id.Network);
        PyTorchFile.SaveCheckpoint(checkpointPath, checkpoint);
        if (accBest) CopyAtomically(checkpointPath, tree.BestModel(id.Fold, id.Network, "best_balanced_accuracy"));
        if (lossBest) CopyAtomically(checkpointPath, tree.BestModel(id.Fold, id.Network, "best_loss"));
        var o = options.Optimization;
        PyTorchFile.SaveCheckpoint(tree.Optimizer(id.Fold, id.Network), new Dictionary<string, object?>
        {
            ["optimizer"] = AdamState.ToPyTorch(optimizer, o.LearningRate, o.WeightDecay),
            ["epoch"] = (long)epoch,
            ["name"] = "Adam",
        });
    }

    private static void CopyAtomically(string source, string destination)
        => AtomicFile.Write(destination, s =>
        {
            using var input = File.OpenRead(source);
            input.CopyTo(s);
        });
}
