using System.Globalization;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>The state of a network's training loop: where it stands (epoch, step), the best models so far, early
/// stopping, what the current epoch has done, and how much was logged. The loop updates this one object; a checkpoint
/// stores it (<see cref="ToDictionary"/>) so that <c>train resume</c> can continue the loop (<see cref="Load"/>).</summary>
/// <remarks>
/// No random-generator state is stored: every draw is derived from the seed and the position (epoch, batch), so the
/// position is enough to draw exactly what the uninterrupted run would have drawn. Checkpoints are written only at
/// update boundaries, where no gradient is being accumulated.
/// </remarks>
internal sealed class ResumeState
{
    /// <summary>The epoch being run (0-based).</summary>
    public int Epoch { get; set; }

    /// <summary>The first batch of <see cref="Epoch"/> still to run (0 at an epoch boundary).</summary>
    public int Step { get; set; }

    /// <summary>Best validation balanced accuracy so far (−1 before any).</summary>
    public double BestBacc { get; set; } = -1;

    /// <summary>Best validation loss so far (+∞ before any).</summary>
    public double BestLoss { get; set; } = double.PositiveInfinity;

    /// <summary>Epoch of <see cref="BestBacc"/> (−1 before any).</summary>
    public int BestBaccEpoch { get; set; } = -1;

    /// <summary>Epoch of <see cref="BestLoss"/> (−1 before any).</summary>
    public int BestLossEpoch { get; set; } = -1;

    /// <summary>Early stopping's reference value.</summary>
    public double? EarlyBest { get; set; }

    /// <summary>Early stopping's count of epochs without improvement.</summary>
    public int EarlyBad { get; set; }

    /// <summary>The last end-of-epoch validation loss (null before the first).</summary>
    public double? LastValidLoss { get; set; }

    /// <summary>The last end-of-epoch validation balanced accuracy (null before the first, or for the autoencoder).</summary>
    public double? LastValidAcc { get; set; }

    /// <summary>Whether the current epoch has updated the weights yet.</summary>
    public bool Stepped { get; set; }

    /// <summary>Whether the current epoch has had a mid-epoch evaluation yet.</summary>
    public bool EvaluatedMid { get; set; }

    /// <summary>Whether the mid-epoch evaluation after batch <see cref="Step"/> − 1 was interrupted: it runs first on resume.</summary>
    public bool MidEvaluationPending { get; set; }

    /// <summary>Training time so far (training.tsv's <c>time</c> continues from it).</summary>
    public double Seconds { get; set; }

    /// <summary>training.tsv rows written at this point.</summary>
    public int LogRows { get; set; }

    /// <summary>The last TensorBoard step written at this point.</summary>
    public long LastTensorBoardStep { get; set; } = long.MinValue;

    /// <summary>The checkpoint key holding this state (ours; ClinicaDL ignores unknown keys).</summary>
    public const string StateKey = "clinicadl_resume";

    /// <summary>The checkpoint key holding the optimizer state, so that one atomic file is enough to resume.</summary>
    public const string OptimizerKey = "clinicadl_optimizer";

    /// <summary>Marks the start of the next epoch: nothing of it done yet.</summary>
    public void NextEpoch()
    {
        Epoch++;
        Step = 0;
        Stepped = false;
        EvaluatedMid = false;
        MidEvaluationPending = false;
    }

    /// <summary>The state as a checkpoint dict.</summary>
    public Dictionary<string, object?> ToDictionary() => new()
    {
        ["epoch"] = (long)Epoch,
        ["step"] = (long)Step,
        ["best_balanced_accuracy"] = BestBacc,
        ["best_loss"] = BestLoss,
        ["best_balanced_accuracy_epoch"] = (long)BestBaccEpoch,
        ["best_loss_epoch"] = (long)BestLossEpoch,
        ["early_stopping_best"] = EarlyBest,
        ["early_stopping_bad_epochs"] = (long)EarlyBad,
        ["last_valid_loss"] = LastValidLoss,
        ["last_valid_acc"] = LastValidAcc,
        ["stepped"] = Stepped,
        ["evaluated_mid_epoch"] = EvaluatedMid,
        ["mid_evaluation_pending"] = MidEvaluationPending,
        ["seconds"] = Seconds,
        ["log_rows"] = (long)LogRows,
        ["last_tensorboard_step"] = LastTensorBoardStep,
    };

    /// <summary>Reads the checkpoint, restores the model and optimizer, and returns the loop state; null when there is no checkpoint.</summary>
    /// <exception cref="CheckpointException">The checkpoint is not resumable (written by another tool or version) or does not fit.</exception>
    public static ResumeState? Load(string path, nn.Module model, Adam optimizer)
    {
        if (!File.Exists(path)) return null;
        var checkpoint = PyTorchFile.LoadCheckpoint(path);
        if (checkpoint.GetValueOrDefault(StateKey) is not System.Collections.IDictionary d || !checkpoint.ContainsKey(OptimizerKey))
            throw new CheckpointException(path, "has no resumable state (it was not written by this version of clinicadl train); start the fold again with --overwrite.");
        using (NewDisposeScope())
        {
            ModelState.LoadStrict(model, ModelState.FromEntry(checkpoint.GetValueOrDefault("model"), path, "model"), path);
            AdamState.FromPyTorch(optimizer, checkpoint[OptimizerKey], path);
        }
        long L(string key) => Convert.ToInt64(d[key], CultureInfo.InvariantCulture);
        double D(string key) => Convert.ToDouble(d[key], CultureInfo.InvariantCulture);
        double? N(string key) => d[key] is null ? null : Convert.ToDouble(d[key], CultureInfo.InvariantCulture);
        try
        {
            return new ResumeState
            {
                Epoch = (int)L("epoch"),
                Step = (int)L("step"),
                BestBacc = D("best_balanced_accuracy"),
                BestLoss = D("best_loss"),
                BestBaccEpoch = (int)L("best_balanced_accuracy_epoch"),
                BestLossEpoch = (int)L("best_loss_epoch"),
                EarlyBest = N("early_stopping_best"),
                EarlyBad = (int)L("early_stopping_bad_epochs"),
                LastValidLoss = N("last_valid_loss"),
                LastValidAcc = N("last_valid_acc"),
                Stepped = (bool)d["stepped"]!,
                EvaluatedMid = (bool)d["evaluated_mid_epoch"]!,
                // Checkpoints written before interrupts reached evaluations have no such key.
                MidEvaluationPending = d.Contains("mid_evaluation_pending") && (bool)d["mid_evaluation_pending"]!,
                Seconds = D("seconds"),
                LogRows = (int)L("log_rows"),
                LastTensorBoardStep = L("last_tensorboard_step"),
            };
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or NullReferenceException or KeyNotFoundException)
        {
            throw new CheckpointException(path, $"its resumable state is damaged ({e.Message}).", e);
        }
    }
}
