using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Options;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Outputs;

/// <summary>A network's checkpoint files, written from the training loop's events (spec §7.5): <c>checkpoint.pth.tar</c>
/// (ClinicaDL's keys, then ours for <c>train resume</c>: the optimizer and the loop state, in the same atomic file),
/// <c>optimizer.pth.tar</c>, and <c>best_balanced_accuracy</c>/<c>best_loss</c>'s <c>model_best.pth.tar</c> (ClinicaDL's keys only).</summary>
/// <remarks>At an epoch's end the checkpoint is written first: a best model is only ever the checkpoint's model of the same
/// epoch, so when a later write fails (a full disk), <c>train resume</c> writes it again from the checkpoint
/// (<see cref="Resumed"/>). A network is finished when it has a best model and no checkpoint (<see cref="Finished"/>).</remarks>
internal sealed class CheckpointStore(ResultsTree tree, OptimizationOptions optimization, bool classification) : INetworkEvents
{
    public void EpochEnded(NetworkMoment at, bool accuracyBest, bool lossBest)
    {
        using var scope = NewDisposeScope();
        var checkpoint = Checkpoint(at);
        PyTorchFile.SaveCheckpoint(tree.Checkpoint(at.Id.Fold, at.Id.Network), checkpoint);
        WriteBest(at.Id, checkpoint, accuracyBest, lossBest);
        PyTorchFile.SaveCheckpoint(tree.Optimizer(at.Id.Fold, at.Id.Network), new Dictionary<string, object?>
        {
            ["optimizer"] = checkpoint[ResumeState.OptimizerKey],
            ["epoch"] = (long)at.Epoch,
            ["name"] = "Adam",
        });
    }

    /// <summary>A mid-epoch checkpoint: the current weights and the loop state; best models are untouched.</summary>
    public void Interrupted(NetworkMoment at)
    {
        using var scope = NewDisposeScope();
        PyTorchFile.SaveCheckpoint(tree.Checkpoint(at.Id.Fold, at.Id.Network), Checkpoint(at));
    }

    /// <summary>On resume at an epoch boundary: rewrites the best models of the checkpoint's own epoch, which a failed write may have missed.</summary>
    public void Resumed(NetworkMoment at)
    {
        var state = at.State;
        if (state.Step != 0 || state.Epoch == 0) return;
        int epoch = state.Epoch - 1;
        bool acc = classification && state.BestBaccEpoch == epoch, loss = state.BestLossEpoch == epoch;
        if (!acc && !loss) return;
        using var scope = NewDisposeScope();
        WriteBest(at.Id, Checkpoint(at with { Epoch = epoch }), acc, loss);
    }

    /// <summary>Removes the resumable checkpoint and the optimizer file of a finished network.</summary>
    public void Finished(NetworkOutcome outcome)
    {
        File.Delete(tree.Checkpoint(outcome.Id.Fold, outcome.Id.Network));
        File.Delete(tree.Optimizer(outcome.Id.Fold, outcome.Id.Network));
    }

    /// <summary>The checkpoint dict: ClinicaDL's keys, then ours for <c>train resume</c>.</summary>
    private Dictionary<string, object?> Checkpoint(NetworkMoment at)
    {
        var checkpoint = new Dictionary<string, object?>
        {
            ["model"] = ModelState.StateDict(at.Model),
            ["epoch"] = (long)at.Epoch,
            ["valid_loss"] = at.ValidLoss,
        };
        if (at.ValidBalancedAccuracy is double bacc) checkpoint["valid_acc"] = bacc;
        checkpoint[ResumeState.OptimizerKey] = AdamState.ToPyTorch(at.Optimizer, optimization.LearningRate, optimization.WeightDecay);
        checkpoint[ResumeState.StateKey] = at.State.ToDictionary();
        return checkpoint;
    }

    /// <summary>Writes the best models (ClinicaDL's keys only) of the selections that improved.</summary>
    private void WriteBest(NetworkId id, Dictionary<string, object?> checkpoint, bool accuracyBest, bool lossBest)
    {
        var best = checkpoint.Where(kv => kv.Key is not (ResumeState.OptimizerKey or ResumeState.StateKey)).ToDictionary(kv => kv.Key, kv => kv.Value);
        if (accuracyBest) PyTorchFile.SaveCheckpoint(tree.BestModel(id.Fold, id.Network, "best_balanced_accuracy"), best);
        if (lossBest) PyTorchFile.SaveCheckpoint(tree.BestModel(id.Fold, id.Network, "best_loss"), best);
    }
}
