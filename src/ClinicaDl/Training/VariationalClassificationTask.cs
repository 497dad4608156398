using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>VConv5_FC3 training (spec modes §3.5): the training loss of a batch is the summed cross-entropy plus the KL term
/// (<see cref="VConv5Fc3.KlDivergence"/>) at the reparameterised latent sample; evaluation runs in eval mode (z = mu) and
/// reports the cross-entropy as the loss and the KL term apart.</summary>
/// <remarks>
/// The latent sample draws from LibTorch's generator, which the loop seeds per step (as it does for dropout), so a resumed
/// run draws the same samples. Model selection and early stopping see only the cross-entropy (<see cref="Evaluation.PassResult.MeanLoss"/>),
/// as in 0.2.1 (M25). With <c>--amp</c> the forward pass runs in mixed precision (<see cref="VConv5Fc3.ForwardVariationalMixed"/>);
/// the KL term is computed in float32.
/// </remarks>
internal sealed class VariationalClassificationTask(VConv5Fc3 model, Device device, PrecisionMode? precision = null)
    : ClassificationTask(model, device, precision)
{
    private readonly VConv5Fc3 network = model;

    public override bool Variational => true;

    public override Tensor TrainingLoss(Tensor input, Tensor labels)
    {
        var output = ForwardVariational(input);
        return nn.functional.cross_entropy(output.Logits, labels, reduction: nn.Reduction.Sum).add(VConv5Fc3.KlDivergence(output), HeldScalars.One);
    }

    protected override (Tensor Logits, Tensor? Kl) EvaluationForward(Tensor input)
    {
        var output = ForwardVariational(input);
        return (output.Logits, VConv5Fc3.KlDivergence(output));
    }

    /// <summary>The whole variational forward pass in this run's precision (every output float32).</summary>
    private VariationalOutput ForwardVariational(Tensor input)
        => Precision.Half is ScalarType half ? network.ForwardVariationalMixed(input, half) : network.ForwardVariational(input);
}
