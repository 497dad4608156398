using System.Globalization;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Where a network's training loop stands, stored in <c>checkpoint.pth.tar</c> so that <c>train resume</c> can continue it.</summary>
/// <remarks>
/// No random-generator state is stored: every draw is derived from the seed and the position (epoch, batch), so the
/// position is enough to draw exactly what the uninterrupted run would have drawn. Checkpoints are written only at
/// update boundaries, where no gradient is being accumulated.
/// </remarks>
/// <param name="Epoch">The epoch to run (0-based).</param>
/// <param name="Step">The first batch of that epoch still to run (0 at an epoch boundary).</param>
/// <param name="BestBacc">Best validation balanced accuracy so far (−1 before any).</param>
/// <param name="BestLoss">Best validation loss so far (+∞ before any).</param>
/// <param name="BestBaccEpoch">Epoch of <see cref="BestBacc"/> (−1 before any).</param>
/// <param name="BestLossEpoch">Epoch of <see cref="BestLoss"/> (−1 before any).</param>
/// <param name="EarlyBest">Early stopping's reference value.</param>
/// <param name="EarlyBad">Early stopping's count of epochs without improvement.</param>
/// <param name="LastValidLoss">The last end-of-epoch validation loss (null before the first).</param>
/// <param name="Stepped">Whether the current epoch has updated the weights yet.</param>
/// <param name="EvaluatedMid">Whether the current epoch has had a mid-epoch evaluation yet.</param>
/// <param name="Seconds">Training time so far (training.tsv's <c>time</c> continues from it).</param>
/// <param name="LogRows">training.tsv rows written at this point.</param>
/// <param name="LastTensorBoardStep">The last TensorBoard step written at this point.</param>
internal sealed record ResumeState(int Epoch, int Step, double BestBacc, double BestLoss, int BestBaccEpoch, int BestLossEpoch,
    double? EarlyBest, int EarlyBad, double? LastValidLoss, bool Stepped, bool EvaluatedMid, double Seconds, int LogRows, long LastTensorBoardStep)
{
    /// <summary>The checkpoint key holding this state (ours; ClinicaDL ignores unknown keys).</summary>
    public const string StateKey = "clinicadl_resume";

    /// <summary>The checkpoint key holding the optimizer state, so that one atomic file is enough to resume.</summary>
    public const string OptimizerKey = "clinicadl_optimizer";

    /// <summary>The state of a network that has not started.</summary>
    public static ResumeState Start { get; } = new(0, 0, -1, double.PositiveInfinity, -1, -1, null, 0, null, false, false, 0, 0, long.MinValue);

    /// <summary>The last end-of-epoch validation balanced accuracy (null before the first, or for the autoencoder).</summary>
    public double? LastValidAcc { get; init; }

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
            return new ResumeState((int)L("epoch"), (int)L("step"), D("best_balanced_accuracy"), D("best_loss"),
                (int)L("best_balanced_accuracy_epoch"), (int)L("best_loss_epoch"), N("early_stopping_best"), (int)L("early_stopping_bad_epochs"),
                N("last_valid_loss"), (bool)d["stepped"]!, (bool)d["evaluated_mid_epoch"]!, D("seconds"), (int)L("log_rows"), L("last_tensorboard_step"))
            {
                LastValidAcc = N("last_valid_acc"),
            };
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or NullReferenceException or KeyNotFoundException)
        {
            throw new CheckpointException(path, $"its resumable state is damaged ({e.Message}).", e);
        }
    }
}
