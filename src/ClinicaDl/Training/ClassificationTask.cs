using ClinicaDl.Data;
using ClinicaDl.Evaluation;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Conv4_FC3 training: summed cross-entropy (spec §6.1), argmax predictions and softmax probabilities.</summary>
internal sealed class ClassificationTask(nn.Module<Tensor, Tensor> model, Device device, PrecisionMode? precision = null)
    : NetworkTask(model, device, precision), ITrainingTask
{
    public bool Classifies => true;

    public bool LossIsSummed => true;

    public Tensor TrainingLoss(Tensor input, Tensor labels)
        => nn.functional.cross_entropy(Forward(input), labels, reduction: nn.Reduction.Sum);

    public PassResult Evaluate(PatchCache cache, IReadOnlyList<ElementSample> elements, int batchSize, CancellationToken cancel)
    {
        Model.eval();
        var rows = new List<RoiPrediction>(elements.Count);
        double total = 0;
        using var noGrad = no_grad();
        using var cast = CastWeightsOnce();
        using var stream = new BatchStream(cache, elements, batchSize);
        foreach (var batch in stream.Batches(cancel))
        {
            using var scope = NewDisposeScope();
            var input = BatchTensors.Input(batch, Device);
            var labels = BatchTensors.Labels(batch, Device);
            var logits = Forward(input);
            if (batch.Labels.All(l => l >= 0)) // unlabelled sessions (classify) have no loss
                total += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).to(ScalarType.Float64).item<double>();
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
        return new PassResult(rows, metrics, total, rows.Count);
    }
}
