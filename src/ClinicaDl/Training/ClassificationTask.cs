using ClinicaDl.Data;
using ClinicaDl.Evaluation;
using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Classifier training: summed cross-entropy (spec §6.1), argmax predictions and softmax probabilities.</summary>
/// <remarks>The variational VConv5_FC3 adds its KL term (<see cref="VariationalClassificationTask"/>); <see cref="For"/> picks the task a network needs.</remarks>
internal class ClassificationTask(nn.Module<Tensor, Tensor> model, Device device, PrecisionMode? precision = null)
    : NetworkTask(model, device, precision), ITrainingTask
{
    /// <summary>The classification task of <paramref name="model"/>: the variational one for VConv5_FC3, the plain one otherwise.</summary>
    public static ClassificationTask For(nn.Module<Tensor, Tensor> model, Device device, PrecisionMode? precision = null)
        => model is VConv5Fc3 variational ? new VariationalClassificationTask(variational, device, precision) : new ClassificationTask(model, device, precision);

    public bool Classifies => true;

    public bool LossIsSummed => true;

    public virtual bool Variational => false;

    public virtual Tensor TrainingLoss(Tensor input, Tensor labels)
        => nn.functional.cross_entropy(Forward(input), labels, reduction: nn.Reduction.Sum);

    /// <summary>An evaluation batch's logits, and its KL term (a scalar tensor) when the network is variational, else null.</summary>
    protected virtual (Tensor Logits, Tensor? Kl) EvaluationForward(Tensor input) => (Forward(input), null);

    public PassResult Evaluate(PatchCache cache, IReadOnlyList<ElementSample> elements, int batchSize, CancellationToken cancel)
    {
        Model.eval();
        var rows = new List<RoiPrediction>(elements.Count);
        double total = 0;
        double? totalKl = Variational ? 0 : null;
        using var noGrad = no_grad();
        using var cast = CastWeightsOnce();
        using var stream = new BatchStream(cache, elements, batchSize, buffers: BatchTensors.For(Device));
        foreach (var batch in stream.Batches(cancel))
        {
            using var scope = NewDisposeScope();
            var input = BatchTensors.Input(batch, Device);
            var labels = BatchTensors.Labels(batch, Device);
            var (logits, kl) = EvaluationForward(input);
            if (batch.Labels.All(l => l >= 0)) // unlabelled sessions (classify) have no loss
                total += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).to(ScalarType.Float64).item<double>();
            if (kl is not null) totalKl += kl.to(ScalarType.Float64).item<double>();
            var probabilities = nn.functional.softmax(logits.to(ScalarType.Float32), 1).cpu().data<float>().ToArray();
            var predicted = logits.argmax(1).cpu().data<long>().ToArray();
            for (int i = 0; i < batch.Count; i++)
            {
                var s = batch.Samples[i];
                rows.Add(new RoiPrediction(s.Session.ParticipantId, s.Session.SessionId, cache.Elements.Id(s.Element), s.Label,
                    (int)predicted[i], probabilities[2 * i], probabilities[2 * i + 1], s.Session.Cohort));
            }
        }
        var metrics = BinaryMetrics.From(rows.Select(r => r.TrueLabel).ToList(), rows.Select(r => r.PredictedLabel).ToList());
        return new PassResult(rows, metrics, total, rows.Count, totalKl);
    }
}
