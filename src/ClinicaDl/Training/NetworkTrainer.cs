using System.Diagnostics;
using System.Globalization;
using ClinicaDl.Common;
using ClinicaDl.Data;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Options;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>One network to train: its identity and its train and validation elements.</summary>
internal sealed record NetworkPlan(NetworkId Id, IReadOnlyList<ElementSample> Train, IReadOnlyList<ElementSample> Valid);

/// <summary>How a network's training ended.</summary>
internal sealed record NetworkOutcome(NetworkId Id, int EpochsRun, bool StoppedEarly, int BestAccuracyEpoch, int BestLossEpoch);

/// <summary>The epoch loop of spec §6.4 (§6.6 for the autoencoder) for one network: a loop, not a manager.</summary>
/// <remarks>
/// Adam with ClinicaDL's settings; gradients summed over <c>--accumulation_steps</c> batches; mid-epoch evaluations
/// every <c>--evaluation_steps</c> batches (on update iterations only); model selection at epoch ends only, by strictly
/// better validation balanced accuracy and strictly lower validation loss; early stopping on the validation loss.
/// Every step runs in its own dispose scope; every random draw is derived from the seed and the step's position
/// (<see cref="Seeds"/>). Checkpoints, best models, training.tsv and event files are written atomically.
/// <para>Interruption: the cancellation token is honoured at the next update boundary (or epoch end), where a
/// resumable checkpoint is written before <see cref="OperationCanceledException"/> is thrown. A resumed network ends
/// with the same weights and tables as one never interrupted.</para>
/// </remarks>
internal sealed class NetworkTrainer
{
    private readonly TrainOptions options;
    private readonly ResultsTree tree;
    private readonly PatchCache cache;
    private readonly ITrainingTask task;
    private readonly Device device;
    private readonly ITrainingObserver observer;
    private readonly TimeProvider time;
    private readonly NetworkLogFactory openLog;

    public NetworkTrainer(TrainOptions options, ResultsTree tree, PatchCache cache, ITrainingTask task, Device device, ITrainingObserver observer, TimeProvider time, NetworkLogFactory openLog)
    {
        this.openLog = openLog;
        this.options = options;
        this.tree = tree;
        this.cache = cache;
        this.task = task;
        this.device = device;
        this.observer = observer;
        this.time = time;
    }

    /// <summary>Trains the network, from its resumable checkpoint when <paramref name="resume"/> and one exists.</summary>
    public NetworkOutcome Train(NetworkPlan plan, CancellationToken cancel, bool resume = false)
    {
        var o = options.Optimization;
        var id = plan.Id;
        int fold = id.Fold, network = id.Network ?? -1;
        int batchSize = options.Computational.BatchSize;
        int stepsPerEpoch = (plan.Train.Count + batchSize - 1) / batchSize;
        var model = task.Model;
        NativeHeap.KeepFreedMemory(); // reuse LibTorch's large buffers between steps instead of re-faulting them in
        using var optimizer = AdamState.Create(model, o.LearningRate, o.WeightDecay);
        var sampler = new TrainSampler(plan.Train, options.Data.Sampler);
        var augmentation = new Augmentation(options.Data.DataAugmentation ?? []);
        var stopping = new EarlyStopping(o.Patience, o.Tolerance);
        string modelDir = tree.Models(fold, id.Network);
        Directory.CreateDirectory(modelDir);

        var state = resume ? ResumeState.Load(tree.Checkpoint(fold, id.Network), model, optimizer) : null;
        if (state is not null)
        {
            stopping.Restore(state.EarlyBest, state.EarlyBad);
            RestoreBestModels(id, model, optimizer, state);
            observer.Message(MessageLevel.Warning, $"{id}: resuming at epoch {state.Epoch}, step {state.Step}.");
        }
        var s = state ?? ResumeState.Start;
        using var log = openLog(id, task.Classifies, time.GetUtcNow(), (s.LogRows, s.LastTensorBoardStep));

        double bestBacc = s.BestBacc, bestLoss = s.BestLoss;
        int bestBaccEpoch = s.BestBaccEpoch, bestLossEpoch = s.BestLossEpoch;
        double? lastValidLoss = s.LastValidLoss, lastValidAcc = s.LastValidAcc;
        long lastTbStep = s.LastTensorBoardStep;
        int epoch = s.Epoch, startStep = s.Step;
        bool midEpoch = startStep > 0;
        double offset = s.Seconds;
        var clock = Stopwatch.StartNew();
        double Seconds() => offset + clock.Elapsed.TotalSeconds;
        observer.NetworkStarted(id, o.Epochs, stepsPerEpoch, plan.Train.Count, plan.Valid.Count);

        // Early stopping is consulted once per epoch, before it starts: not again for an epoch resumed in its middle.
        while (epoch < o.Epochs && (midEpoch || !stopping.Step(lastValidLoss)))
        {
            model.train();
            bool stepped = midEpoch && s.Stepped, evaluatedMid = midEpoch && s.EvaluatedMid;
            if (!midEpoch) optimizer.zero_grad();
            int lastIteration = startStep - 1;
            var order = sampler.NextEpoch(Seeds.Stream(options.Seed, "sampler", fold, network, epoch));
            using (var stream = new BatchStream(cache, order, batchSize, augmentation,
                       b => Seeds.Stream(options.Seed, "augment", fold, network, epoch, b), startBatch: startStep))
            {
                foreach (var batch in stream.Batches())
                {
                    int i = batch.Index;
                    lastIteration = i;
                    double lossValue = TrainStep(batch, fold, network, epoch);
                    if (!double.IsFinite(lossValue))
                        throw new TrainingFailedException(
                            $"{id}: the training loss is {lossValue.ToString(CultureInfo.InvariantCulture)} at epoch {epoch}, step {i}: training diverged. " +
                            $"The best models saved so far are kept in {modelDir}. Try a lower --learning_rate.");
                    observer.StepCompleted(new StepReport(id, epoch, i, stepsPerEpoch, task.LossIsSummed ? lossValue / batch.Count : lossValue, cache.CachedCount, cache.Sessions.Count));
                    if ((i + 1) % o.AccumulationSteps != 0) continue;
                    AdamState.Step(optimizer, model, o.LearningRate, o.WeightDecay);
                    optimizer.zero_grad();
                    stepped = true;
                    if (options.Computational.EvaluationSteps != 0 && (i + 1) % options.Computational.EvaluationSteps == 0)
                    {
                        evaluatedMid = true;
                        var (tr, va) = EvaluateBoth(plan, cancel);
                        lastTbStep = i + (long)epoch * stepsPerEpoch;
                        Log(log, id, epoch, i, false, Seconds(), tr, va, lastTbStep, false, false);
                        model.train();
                    }
                    if (cancel.IsCancellationRequested)
                    {
                        SaveResumable(id, model, optimizer, new ResumeState(epoch, i + 1, bestBacc, bestLoss, bestBaccEpoch, bestLossEpoch,
                            stopping.Best, stopping.BadEpochs, lastValidLoss, stepped, evaluatedMid, Seconds(), log.RowCount, lastTbStep)
                        { LastValidAcc = lastValidAcc });
                        throw new OperationCanceledException($"{id}: interrupted at epoch {epoch}, step {i + 1}.", cancel);
                    }
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
            lastTbStep = task.Classifies ? (epoch + 1L) * stepsPerEpoch : (epoch + 1L) * stepsPerEpoch - 1;
            Log(log, id, epoch, lastIteration, true, Seconds(), trainResult, validResult, lastTbStep, accBest, lossBest);
            lastValidLoss = validLoss;
            lastValidAcc = validResult.BalancedAccuracy;
            var next = new ResumeState(epoch + 1, 0, bestBacc, bestLoss, bestBaccEpoch, bestLossEpoch,
                stopping.Best, stopping.BadEpochs, lastValidLoss, false, false, Seconds(), log.RowCount, lastTbStep)
            { LastValidAcc = validResult.BalancedAccuracy };
            SaveCheckpoints(id, model, optimizer, epoch, validLoss, validResult.BalancedAccuracy, accBest, lossBest, next);
            epoch++;
            midEpoch = false;
            startStep = 0;
            if (cancel.IsCancellationRequested)
                throw new OperationCanceledException($"{id}: interrupted after epoch {epoch - 1}.", cancel);
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
        // Evaluation passes run to their end even when an interrupt is pending: the checkpoint follows them.
        var train = task.Evaluate(cache, plan.Train, batch, CancellationToken.None);
        var valid = task.Evaluate(cache, plan.Valid, batch, CancellationToken.None);
        _ = cancel;
        return (train, valid);
    }

    private void Log(INetworkLog log, NetworkId id, int epoch, int iteration, bool endOfEpoch, double seconds,
        PassResult train, PassResult valid, long step, bool accBest, bool lossBest)
    {
        double trainLoss = train.MeanLoss, validLoss = valid.MeanLoss;
        log.Add(epoch, iteration, seconds, trainLoss, validLoss, train.BalancedAccuracy, valid.BalancedAccuracy, step, time.GetUtcNow());
        log.Flush();
        observer.EvaluationCompleted(new EpochReport(id, epoch, iteration, endOfEpoch, seconds, trainLoss, validLoss,
            train.BalancedAccuracy, valid.BalancedAccuracy, accBest, lossBest, options.Optimization.Epochs));
    }

    /// <summary>The checkpoint dict: ClinicaDL's keys, then ours for <c>train resume</c> (optimizer and loop state, in the same atomic file).</summary>
    private Dictionary<string, object?> Checkpoint(nn.Module model, TorchSharp.Modules.Adam optimizer, int epoch, double? validLoss, double? validBacc, ResumeState state)
    {
        var o = options.Optimization;
        var checkpoint = new Dictionary<string, object?>
        {
            ["model"] = ModelState.StateDict(model),
            ["epoch"] = (long)epoch,
            ["valid_loss"] = validLoss,
        };
        if (validBacc is double bacc) checkpoint["valid_acc"] = bacc;
        checkpoint[ResumeState.OptimizerKey] = AdamState.ToPyTorch(optimizer, o.LearningRate, o.WeightDecay);
        checkpoint[ResumeState.StateKey] = state.ToDictionary();
        return checkpoint;
    }

    /// <remarks>The checkpoint is written first: a best model is only ever the checkpoint's model of the same epoch, so when a
    /// later write fails (a full disk), <c>train resume</c> can write it again from the checkpoint (<see cref="RestoreBestModels"/>).
    /// A network is finished when it has a best model and no checkpoint.</remarks>
    private void SaveCheckpoints(NetworkId id, nn.Module model, TorchSharp.Modules.Adam optimizer, int epoch, double validLoss, double? validBacc, bool accBest, bool lossBest, ResumeState next)
    {
        using var scope = NewDisposeScope();
        var checkpoint = Checkpoint(model, optimizer, epoch, validLoss, validBacc, next);
        PyTorchFile.SaveCheckpoint(tree.Checkpoint(id.Fold, id.Network), checkpoint);
        WriteBest(id, checkpoint, accBest, lossBest);
        PyTorchFile.SaveCheckpoint(tree.Optimizer(id.Fold, id.Network), new Dictionary<string, object?>
        {
            ["optimizer"] = checkpoint[ResumeState.OptimizerKey],
            ["epoch"] = (long)epoch,
            ["name"] = "Adam",
        });
    }

    /// <summary>Writes the best models (ClinicaDL's keys only) of the selections that improved.</summary>
    private void WriteBest(NetworkId id, Dictionary<string, object?> checkpoint, bool accBest, bool lossBest)
    {
        var best = checkpoint.Where(kv => kv.Key is not (ResumeState.OptimizerKey or ResumeState.StateKey)).ToDictionary(kv => kv.Key, kv => kv.Value);
        if (accBest) PyTorchFile.SaveCheckpoint(tree.BestModel(id.Fold, id.Network, "best_balanced_accuracy"), best);
        if (lossBest) PyTorchFile.SaveCheckpoint(tree.BestModel(id.Fold, id.Network, "best_loss"), best);
    }

    /// <summary>On resume at an epoch boundary: rewrites the best models of the checkpoint's own epoch, which a failed write may have missed.</summary>
    private void RestoreBestModels(NetworkId id, nn.Module model, TorchSharp.Modules.Adam optimizer, ResumeState state)
    {
        if (state.Step != 0 || state.Epoch == 0) return;
        int epoch = state.Epoch - 1;
        bool acc = task.Classifies && state.BestBaccEpoch == epoch, loss = state.BestLossEpoch == epoch;
        if (!acc && !loss) return;
        using var scope = NewDisposeScope();
        WriteBest(id, Checkpoint(model, optimizer, epoch, state.LastValidLoss, state.LastValidAcc, state), acc, loss);
    }

    /// <summary>A mid-epoch checkpoint on interrupt: the current weights and the loop state; best models are untouched.</summary>
    private void SaveResumable(NetworkId id, nn.Module model, TorchSharp.Modules.Adam optimizer, ResumeState state)
    {
        using var scope = NewDisposeScope();
        PyTorchFile.SaveCheckpoint(tree.Checkpoint(id.Fold, id.Network), Checkpoint(model, optimizer, state.Epoch, state.LastValidLoss, state.LastValidAcc, state));
    }
}
