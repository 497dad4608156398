using System.Diagnostics;
using System.Globalization;
using ClinicaDl.Common;
using ClinicaDl.Data;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Networks;
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
/// (<see cref="Seeds"/>). The loop writes nothing itself: it raises <see cref="INetworkEvents"/> (evaluated, epoch ended,
/// interrupted, resumed, finished), and its subscribers write training.tsv, the event files, checkpoints and best models.
/// <para>The loop's state is one <see cref="ResumeState"/>, which the events carry and checkpoints store.</para>
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
    private readonly NetworkEventsFactory subscribe;

    /// <summary>A trainer whose networks' events go to the subscribers <c>subscribe</c> opens (the outputs), then to the
    /// console's view (<c>observer</c>).</summary>
    public NetworkTrainer(TrainOptions options, ResultsTree tree, PatchCache cache, ITrainingTask task, Device device, ITrainingObserver observer, TimeProvider time, NetworkEventsFactory subscribe)
    {
        this.subscribe = subscribe;
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
        // Small batches: reuse LibTorch's large buffers between steps instead of re-faulting them in; whole images: return them.
        NativeHeap.ForTraining(BatchBytes(plan));
        using var run = new NetworkRun(this, plan, cancel, resume);
        // Early stopping is consulted once per epoch, before it starts: not again for an epoch resumed in its middle.
        while (run.ContinuesToNextEpoch())
        {
            int lastIteration = run.TrainBatches();
            run.EndEpoch(lastIteration);
        }
        return run.Finish();
    }

    /// <summary>The input bytes of the largest batch the network's training steps and evaluations see.</summary>
    private long BatchBytes(NetworkPlan plan)
    {
        var samples = plan.Train.Count > 0 ? plan.Train : plan.Valid;
        if (samples.Count == 0) return 0;
        long batch = Math.Max(options.Computational.BatchSize, options.EvalBatchSize);
        return batch * cache.PatchLength(samples[0].Element) * sizeof(float);
    }

    /// <summary>One network's training: the loop state (<see cref="ResumeState"/>), its optimizer, sampler and subscribers, and the loop's phases.</summary>
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
        private readonly IReadOnlyList<INetworkEvents> subscribers;
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
                state = loaded ?? new ResumeState();
                subscribers = [.. trainer.subscribe(id, trainer.task.Classifies, trainer.time.GetUtcNow(), loaded), new ObserverEvents(trainer.observer)];
                if (loaded is not null)
                {
                    stopping.Restore(loaded.EarlyBest, loaded.EarlyBad);
                    Raise(s => s.Resumed(Moment(loaded.Epoch, loaded.LastValidLoss, loaded.LastValidAcc)));
                    trainer.observer.Message(MessageLevel.Warning, $"{id}: resuming at epoch {loaded.Epoch}, step {loaded.Step}.");
                }
            }
            catch
            {
                foreach (var s in subscribers ?? []) s.Dispose();
                optimizer.Dispose();
                throw;
            }
            midEpoch = state.Step > 0;
            offset = state.Seconds;
            clock = Stopwatch.StartNew();
            trainer.observer.NetworkStarted(id, o.Epochs, stepsPerEpoch, plan.Train.Count, plan.Valid.Count);
        }

        private double Seconds() => offset + clock.Elapsed.TotalSeconds;

        /// <summary>Tells every subscriber, in order.</summary>
        private void Raise(Action<INetworkEvents> e)
        {
            foreach (var s in subscribers) e(s);
        }

        /// <summary>The loop as it stands, with the epoch and validation metrics a checkpoint of it records.</summary>
        private NetworkMoment Moment(int epoch, double? validLoss, double? validBalancedAccuracy)
            => new(id, model, optimizer, state, epoch, validLoss, validBalancedAccuracy);

        /// <summary>Raises one evaluation (one training.tsv row) and counts it in the loop state.</summary>
        private void Evaluated(int epoch, int iteration, bool endOfEpoch, PassResult train, PassResult valid, bool accBest, bool lossBest)
        {
            var report = new EpochReport(id, epoch, iteration, endOfEpoch, Seconds(), train.MeanLoss, valid.MeanLoss,
                train.BalancedAccuracy, valid.BalancedAccuracy, accBest, lossBest, trainer.options.Optimization.Epochs, train.MeanKlLoss, valid.MeanKlLoss);
            Raise(s => s.Evaluated(new NetworkEvaluation(report, state.LastTensorBoardStep, trainer.time.GetUtcNow())));
            state.LogRows++;
        }

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
                    b => Seeds.Stream(trainer.options.Seed, "augment", fold, network, epoch, b), startBatch: state.Step,
                    buffers: BatchTensors.For(trainer.device));
                using var losses = new StepLosses(StepLosses.WindowFor(trainer.device), (i, count, loss) => StepCompleted(epoch, i, count, loss));
                foreach (var batch in stream.Batches())
                {
                    int i = batch.Index;
                    lastIteration = i;
                    losses.Add(trainer.TrainStep(batch, fold, network, epoch), i, batch.Count);
                    if ((i + 1) % o.AccumulationSteps != 0) continue;
                    AdamState.Step(optimizer, model, o.LearningRate, o.WeightDecay);
                    optimizer.zero_grad();
                    state.Stepped = true;
                    state.Step = i + 1;
                    if (evaluationSteps != 0 && (i + 1) % evaluationSteps == 0)
                    {
                        losses.Flush();
                        EvaluateMid(i);
                    }
                    if (cancel.IsCancellationRequested)
                    {
                        losses.Flush();
                        throw Interrupted($"at epoch {epoch}, step {i + 1}");
                    }
                }
                losses.Flush();
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

        /// <summary>A step's loss, once read: stops a diverged run, else tells the console's view.</summary>
        private void StepCompleted(int epoch, int i, int count, double lossValue)
        {
            if (!double.IsFinite(lossValue))
                throw new TrainingFailedException(
                    $"{id}: the training loss is {lossValue.ToString(CultureInfo.InvariantCulture)} at epoch {epoch}, step {i}: training diverged. " +
                    $"The best models saved so far are kept in {modelDir}. Try a lower --learning_rate.");
            trainer.observer.StepCompleted(new StepReport(id, epoch, i, stepsPerEpoch, trainer.task.LossIsSummed ? lossValue / count : lossValue,
                trainer.cache.CachedCount, trainer.cache.Sessions.Count));
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
            Evaluated(epoch, lastIteration, true, trainResult, validResult, accBest, lossBest);
            state.LastValidLoss = validLoss;
            state.LastValidAcc = validResult.BalancedAccuracy;
            state.NextEpoch();
            RecordLoop();
            Raise(s => s.EpochEnded(Moment(epoch, validLoss, validResult.BalancedAccuracy), accBest, lossBest));
            midEpoch = false;
            if (cancel.IsCancellationRequested)
                throw new OperationCanceledException($"{id}: interrupted after epoch {epoch}.", cancel);
        }

        /// <summary>After the last epoch (or early stopping): raises the outcome (the resumable checkpoint is removed) and returns it.</summary>
        public NetworkOutcome Finish()
        {
            bool stoppedEarly = state.Epoch < trainer.options.Optimization.Epochs;
            var outcome = new NetworkOutcome(id, state.Epoch, stoppedEarly, state.BestBaccEpoch, state.BestLossEpoch);
            Raise(s => s.Finished(outcome));
            return outcome;
        }

        /// <summary>Copies early stopping and the clock into the loop state a checkpoint stores.</summary>
        private void RecordLoop()
        {
            state.EarlyBest = stopping.Best;
            state.EarlyBad = stopping.BadEpochs;
            state.Seconds = Seconds();
        }

        /// <summary>Raises the interrupt (its subscribers write the resumable checkpoint), then returns the exception that reports it.</summary>
        private OperationCanceledException Interrupted(string where)
        {
            RecordLoop();
            Raise(s => s.Interrupted(Moment(state.Epoch, state.LastValidLoss, state.LastValidAcc)));
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
            Evaluated(state.Epoch, i, false, tr, va, false, false);
            model.train();
        }

        public void Dispose()
        {
            foreach (var s in subscribers) s.Dispose();
            optimizer.Dispose();
        }
    }

    /// <summary>Forward, loss and backward of one batch in its own dispose scope; returns the loss (detached, on the device,
    /// outside any dispose scope: <see cref="StepLosses"/> reads and frees it).</summary>
    private Tensor TrainStep(Batch batch, int fold, int network, int epoch)
    {
        using var scope = NewDisposeScope();
        // Dropout (and VConv5_FC3's sampling) draws from this thread's generator: seeded from the step's position, a resumed
        // run draws the same masks, whatever other threads draw.
        LayerDraws.Seed(Seeds.TorchSeed(options.Seed, "step", fold, network, epoch, batch.Index));
        var input = BatchTensors.Input(batch, device);
        var labels = BatchTensors.Labels(batch, device);
        var loss = task.TrainingLoss(input, labels);
        loss.backward();
        return loss.detach().DetachFromDisposeScope();
    }

    private (PassResult Train, PassResult Valid) EvaluateBoth(NetworkPlan plan, CancellationToken cancel)
    {
        int batch = options.EvalBatchSize;
        // An interrupt stops a pass at its next batch; the caller's checkpoint makes the resumed run evaluate again.
        var train = task.Evaluate(cache, plan.Train, batch, cancel);
        var valid = task.Evaluate(cache, plan.Valid, batch, cancel);
        return (train, valid);
    }
}
