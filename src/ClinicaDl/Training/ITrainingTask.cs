using ClinicaDl.Data;
using ClinicaDl.Evaluation;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>What differs between classification (cnn, multicnn) and reconstruction (autoencoder) training (STYLE: one strategy per task).</summary>
internal interface ITrainingTask
{
    /// <summary>The network being trained.</summary>
    nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>True when passes produce predictions and balanced accuracy (not for the autoencoder).</summary>
    bool Classifies { get; }

    /// <summary>True when the network is variational (VConv5_FC3): its training loss adds the KL term, and its passes report the KL term apart (<see cref="PassResult.TotalKlLoss"/>).</summary>
    bool Variational { get; }

    /// <summary>True when <see cref="TrainingLoss"/> sums over the batch (cross-entropy), false when it averages (MSE).</summary>
    bool LossIsSummed { get; }

    /// <summary>The loss of a training batch (forward pass included): summed cross-entropy, or mean squared error.</summary>
    Tensor TrainingLoss(Tensor input, Tensor labels);

    /// <summary>An evaluation pass in table order, under no-grad, in eval mode; leaves the model in eval mode.</summary>
    PassResult Evaluate(PatchCache cache, IReadOnlyList<ElementSample> elements, int batchSize, CancellationToken cancel);
}
