using ClinicaDl.Data;
using ClinicaDl.Evaluation;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Autoencoder training (spec §6.6): mean squared error between the reconstruction and the input; only the loss is tracked.</summary>
/// <remarks>
/// A pass's total loss is the sum over elements of each element's mean squared error, so its mean is the true MSE
/// (ClinicaDL divides a sum of batch means by batches × batch size, about MSE / batch size; decision 13). Model
/// selection and early stopping use the validation total, whose ordering is the same.
/// </remarks>
internal sealed class ReconstructionTask(nn.Module<Tensor, Tensor> model, Device device, PrecisionMode? precision = null)
    : NetworkTask(model, device, precision), ITrainingTask
{
    public bool Classifies => false;

    public bool LossIsSummed => false;

    public bool Variational => false;

    public Tensor TrainingLoss(Tensor input, Tensor labels) => nn.functional.mse_loss(Forward(input), input);

    public PassResult Evaluate(PatchCache cache, IReadOnlyList<ElementSample> elements, int batchSize, CancellationToken cancel)
    {
        Model.eval();
        double total = 0;
        using var noGrad = no_grad();
        using var cast = CastWeightsOnce();
        using var stream = new BatchStream(cache, elements, batchSize, buffers: BatchTensors.For(Device));
        foreach (var batch in stream.Batches(cancel))
        {
            using var scope = NewDisposeScope();
            var input = BatchTensors.Input(batch, Device);
            var output = Forward(input);
            total += nn.functional.mse_loss(output, input).to(ScalarType.Float64).item<double>() * batch.Count;
        }
        return new PassResult([], null, total, elements.Count);
    }

    /// <summary>The reconstructions of <paramref name="elements"/> (eval mode, no augmentation), as C-order float arrays.</summary>
    public IReadOnlyList<(float[] Input, float[] Output)> Reconstruct(PatchCache cache, IReadOnlyList<ElementSample> elements, CancellationToken cancel)
    {
        Model.eval();
        var result = new List<(float[], float[])>();
        using var noGrad = no_grad();
        using var cast = CastWeightsOnce();
        using var stream = new BatchStream(cache, elements, 1, buffers: BatchTensors.For(Device));
        foreach (var batch in stream.Batches(cancel))
        {
            using var scope = NewDisposeScope();
            var input = BatchTensors.Input(batch, Device);
            var output = Forward(input).to(ScalarType.Float32).cpu();
            result.Add((batch.Buffer.ToArray(), output.data<float>().ToArray()));
        }
        return result;
    }
}
