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
/// <para>The loop's state is one <see cref="ResumeState"/>, which checkpoints store.</para>
/// <para>Interruption: the cancellation token is honoured at the next update boundary (or epoch end), and within an
/// evaluation pass at its next batch; a resumable checkpoint is written before <see cref="OperationCanceledException"/>
/// is thrown (an interrupted evaluation is run again on resume). A resumed network ends with the same weights and
/// tables as one never interrupted.</para>
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
        NativeHeap.KeepFreedMemory(); // reuse LibTorch's large buffers between steps instead of re-faulting them in
        using var run = new NetworkRun(this, plan, cancel, resume);
        // Early stopping is consulted once per epoch, before it starts: not again for an epoch resumed in its middle.
        while (run.ContinuesToNextEpoch())
        {
            int lastIteration = run.TrainBatches();
            run.EndEpoch(lastIteration);
        }
        return run.Finish();
    }

    /// <summary>One network's training: the loop state (<see cref="ResumeState"/>), its optimizer, sampler and log, and the loop's phases.</summary>
    private sealed class NetworkRun : IDisposable
    {
        private readonly NetworkTrainer trainer;
        private readonly NetworkPlan plan;
        private readonly CancellationToken cancel;
        private readonly NetworkId id;
        private readonly int fold, network, stepsPerEpoch;
        private readonly nn.Module model;
        private readonly TorchSharp.Modules.Adam optimizer;
        private readonly TrainSampler sampler;
        private readonly Augmentation augmentation;
        private readonly EarlyStopping stopping;
        private readonly string modelDir;
        private readonly ResumeState state;
        private readonly INetworkLog log;
        private readonly double offset;
        private readonly Stopwatch clock;
        private bool midEpoch;

        public NetworkRun(NetworkTrainer trainer, NetworkPlan plan, CancellationToken cancel, bool resume)
        {
            this.trainer = trainer;
            this.plan = plan;
            this.cancel = cancel;
            var o = trainer.options.Optimization;
            id = plan.Id;
            fold = id.Fold;
            network = id.Network ?? -1;
            int batchSize = trainer.options.Computational.BatchSize;
            stepsPerEpoch = (plan.Train.Count + batchSize - 1) / batchSize;
            model = trainer.task.Model;
            optimizer = AdamState.Create(model, o.LearningRate, o.WeightDecay);
            sampler = new TrainSampler(plan.Train, trainer.options.Data.Sampler);
            augmentation = new Augmentation(trainer.options.Data.DataAugmentation ?? []);
            stopping = new EarlyStopping(o.Patience, o.Tolerance);
            modelDir = trainer.tree.Models(fold, id.Network);
            Directory.CreateDirectory(modelDir);

            try
            {
                var loaded = resume ? ResumeState.Load(trainer.tree.Checkpoint(fold, id.Network), model, optimizer) : null;
                if (loaded is not null)
                {
                    stopping.Restore(loaded.EarlyBest, loaded.EarlyBad);
                    trainer.RestoreBestModels(id, model, optimizer, loaded);
                    trainer.observer.Message(MessageLevel.Warning, $"{id}: resuming at epoch {loaded.Epoch}, step {loaded.Step}.");
                }
                state = loaded ?? new ResumeState();
                log = trainer.openLog(id, trainer.task.Classifies, trainer.time.GetUtcNow(), (state.LogRows, state.LastTensorBoardStep));
            }
            catch
            {
                optimizer.Dispose();
                throw;
            }
            midEpoch = state.Step > 0;
            offset = state.Seconds;
            clock = Stopwatch.StartNew();
            trainer.observer.NetworkStarted(id, o.Epochs, stepsPerEpoch, plan.Train.Count, plan.Valid.Count);
        }

        private double Seconds() => offset + clock.Elapsed.TotalSeconds;

        /// <summary>Whether another epoch runs: epochs are left and early stopping lets it (not asked again for an epoch resumed in its middle).</summary>
        public bool ContinuesToNextEpoch()
            => state.Epoch < trainer.options.Optimization.Epochs && (midEpoch || !stopping.Step(state.LastValidLoss));

        /// <summary>The batches of the current epoch (from the resumed step), with updates and mid-epoch evaluations; returns the last batch index run.</summary>
        public int TrainBatches()
        {
            var o = trainer.options.Optimization;
            int evaluationSteps = trainer.options.Computational.EvaluationSteps;
            int epoch = state.Epoch;
            model.train();
            if (!midEpoch) optimizer.zero_grad();
            int lastIteration = state.Step - 1;
            try
            {
                if (state.MidEvaluationPending) EvaluateMid(state.Step - 1);
                var order = sampler.NextEpoch(Seeds.Stream(trainer.options.Seed, "sampler", fold, network, epoch));
                using var stream = new BatchStream(trainer.cache, order, trainer.options.Computational.BatchSize, augmentation,
                    b => Seeds.Stream(trainer.options.Seed, "augment", fold, network, epoch, b), startBatch: state.Step);
                foreach (var batch in stream.Batches())
                {
                    int i = batch.Index;
                    lastIteration = i;
                    double lossValue = trainer.TrainStep(batch, fold, network, epoch);
                    if (!double.IsFinite(lossValue))
                        throw new TrainingFailedException(
                            $"{id}: the training loss is {lossValue.ToString(CultureInfo.InvariantCulture)} at epoch {epoch}, step {i}: training diverged. " +
                            $"The best models saved so far are kept in {modelDir}. Try a lower --learning_rate.");
                    trainer.observer.StepCompleted(new StepReport(id, epoch, i, stepsPerEpoch, trainer.task.LossIsSummed ? lossValue / batch.Count : lossValue,
                        trainer.cache.CachedCount, trainer.cache.Sessions.Count));
                    if ((i + 1) % o.AccumulationSteps != 0) continue;
                    AdamState.Step(optimizer, model, o.LearningRate, o.WeightDecay);
                    optimizer.zero_grad();
                    state.Stepped = true;
                    state.Step = i + 1;
                    if (evaluationSteps != 0 && (i + 1) % evaluationSteps == 0) EvaluateMid(i);
                    if (cancel.IsCancellationRequested) throw Interrupted($"at epoch {epoch}, step {i + 1}");
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested && state.MidEvaluationPending)
            {
                throw Interrupted($"at epoch {epoch}, step {state.Step}, during an evaluation");
            }
            if (!state.Stepped)
                throw new TrainingFailedException($"{id}: the model has not been updated once in epoch {epoch}; --accumulation_steps ({o.AccumulationSteps}) is larger than the {stepsPerEpoch} batches of an epoch.");
            if (evaluationSteps != 0 && !state.EvaluatedMid)
                trainer.observer.Message(MessageLevel.Warning, $"{id}: no evaluation happened during epoch {epoch}: --evaluation_steps ({evaluationSteps}) is larger than the batches of an epoch or never falls on an update.");
            optimizer.zero_grad(); // a partial accumulation at the end of the epoch is discarded (spec §6.4)
            return lastIteration;
        }

        /// <summary>The end-of-epoch evaluation, model selection, log row and checkpoints; <paramref name="lastIteration"/> is the epoch's last batch.</summary>
        public void EndEpoch(int lastIteration)
        {
            int epoch = state.Epoch;
            bool classifies = trainer.task.Classifies;
            PassResult trainResult, validResult;
            try
            {
                (trainResult, validResult) = trainer.EvaluateBoth(plan, cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // Every batch is done and the partial accumulation discarded: the resumed run evaluates the epoch again.
                state.Step = lastIteration + 1;
                throw Interrupted($"at the end of epoch {epoch}, during its evaluation");
            }
            double validLoss = classifies ? validResult.MeanLoss : validResult.TotalLoss;
            bool accBest = classifies && validResult.BalancedAccuracy!.Value > state.BestBacc;
            bool lossBest = validLoss < state.BestLoss;
            if (accBest) { state.BestBacc = validResult.BalancedAccuracy!.Value; state.BestBaccEpoch = epoch; }
            if (lossBest) { state.BestLoss = validLoss; state.BestLossEpoch = epoch; }
            state.LastTensorBoardStep = classifies ? (epoch + 1L) * stepsPerEpoch : (epoch + 1L) * stepsPerEpoch - 1;
            trainer.Log(log, id, epoch, lastIteration, true, Seconds(), trainResult, validResult, state.LastTensorBoardStep, accBest, lossBest);
            state.LastValidLoss = validLoss;
            state.LastValidAcc = validResult.BalancedAccuracy;
            state.NextEpoch();
            RecordLoop();
            trainer.SaveCheckpoints(id, model, optimizer, epoch, validLoss, validResult.BalancedAccuracy, accBest, lossBest, state);
            midEpoch = false;
            if (cancel.IsCancellationRequested)
                throw new OperationCanceledException($"{id}: interrupted after epoch {epoch}.", cancel);
        }

        /// <summary>After the last epoch (or early stopping): removes the resumable checkpoint and reports the outcome.</summary>
        public NetworkOutcome Finish()
        {
            bool stoppedEarly = state.Epoch < trainer.options.Optimization.Epochs;
            File.Delete(trainer.tree.Checkpoint(fold, id.Network));
            File.Delete(trainer.tree.Optimizer(fold, id.Network));
            trainer.observer.NetworkCompleted(id, state.Epoch, stoppedEarly);
            return new NetworkOutcome(id, state.Epoch, stoppedEarly, state.BestBaccEpoch, state.BestLossEpoch);
        }

        /// <summary>Copies early stopping, the clock and the log's length into the loop state a checkpoint stores.</summary>
        private void RecordLoop()
        {
            state.EarlyBest = stopping.Best;
            state.EarlyBad = stopping.BadEpochs;
            state.Seconds = Seconds();
            state.LogRows = log.RowCount;
        }

        /// <summary>The checkpoint of an interrupt, then the exception that reports it.</summary>
        private OperationCanceledException Interrupted(string where)
        {
            RecordLoop();
            trainer.SaveResumable(id, model, optimizer, state);
            return new OperationCanceledException($"{id}: interrupted {where}.", cancel);
        }

        /// <summary>A mid-epoch evaluation after batch <paramref name="i"/>; an interrupt during it leaves it pending for the resumed run.</summary>
        private void EvaluateMid(int i)
        {
            state.Step = i + 1;
            state.MidEvaluationPending = true;
            var (tr, va) = trainer.EvaluateBoth(plan, cancel);
            state.MidEvaluationPending = false;
            state.EvaluatedMid = true;
            state.LastTensorBoardStep = i + (long)state.Epoch * stepsPerEpoch;
            trainer.Log(log, id, state.Epoch, i, false, Seconds(), tr, va, state.LastTensorBoardStep, false, false);
            model.train();
        }

        public void Dispose()
        {
            log.Dispose();
            optimizer.Dispose();
        }
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
        // An interrupt stops a pass at its next batch; the caller's checkpoint makes the resumed run evaluate again.
        var train = task.Evaluate(cache, plan.Train, batch, cancel);
        var valid = task.Evaluate(cache, plan.Valid, batch, cancel);
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
