using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Runs;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Runs.Interpret;

/// <summary>Vanilla back-propagation (spec verbs §4.5): the signed gradient of one class's raw logit with respect to the
/// (normalised) input, element by element.</summary>
/// <remarks>
/// No absolute value, no ReLU, no normalisation, no multiplication by the input: <c>∂ y[b, t] / ∂ x[b]</c>, as 0.2.1's
/// <c>VanillaBackProp</c> computes with <c>y.backward(one_hot(t))</c>. The model must be in eval mode (BatchNorm running
/// statistics, dropout off); elements are then independent, so the batch size does not change the values.
/// </remarks>
public static class Saliency
{
    /// <summary>The gradient of <c>model(input)[:, target]</c> with respect to <paramref name="input"/>; same shape as the input, contiguous, on the CPU.</summary>
    /// <param name="model">A classifier in eval mode returning logits (B, classes).</param>
    /// <param name="input">The batch (B, C, …); not modified.</param>
    /// <param name="target">The class whose logit is differentiated.</param>
    public static Tensor Gradient(nn.Module<Tensor, Tensor> model, Tensor input, int target)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        // One element at a time: with LibTorch 2.10 on the CPU, the input gradient of a batch of several elements differs
        // from the per-element gradients (it correlates only ~0.8 with PyTorch's, which are batch-independent in eval
        // mode); element by element it matches PyTorch to 1e-10. --batch_size still sets how elements are read.
        var parts = new List<Tensor>((int)input.shape[0]);
        for (long b = 0; b < input.shape[0]; b++)
        {
            var x = input[TensorIndex.Slice(b, b + 1)].detach().clone().requires_grad_(true);
            var logit = model.call(x).select(1, target).sum();
            parts.Add(autograd.grad([logit], [x])[0].detach());
        }
        // The gradient may come back in another memory layout; callers read it as C-order values.
        return cat(parts, 0).cpu().contiguous().MoveToOuterDisposeScope();
    }
}
