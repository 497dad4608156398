using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Converts TorchSharp's Adam state to and from PyTorch's <c>optimizer.state_dict()</c> layout.</summary>
internal static class AdamState
{
    /// <summary>Creates the optimizer ClinicaDL uses: Adam(lr, betas (0.9, 0.999), eps 1e-8, weight_decay), no amsgrad.</summary>
    public static Adam Create(nn.Module model, double learningRate, double weightDecay)
        => new(model.parameters().Where(p => p.requires_grad), learningRate, 0.9, 0.999, 1e-8, weightDecay, amsgrad: false, maximize: false);

    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    /// <summary>One Adam update of every parameter of <paramref name="model"/> that has a gradient: the arithmetic of
    /// TorchSharp's <c>Adam.step</c> (PyTorch's Adam without amsgrad, op for op, so results are unchanged), on the
    /// optimizer's own state, but with every <see cref="TorchSharp.Scalar"/> argument held until its native call returns.</summary>
    /// <remarks>TorchSharp's step passes temporaries (<c>grad.add(param, alpha: weight_decay)</c>): once the native handle is
    /// read, the .NET object is unreachable, and a garbage collection started by another thread (the image cache, the batch
    /// prefetcher) can run its finalizer and free the scalar while LibTorch is still to read it. LibTorch then fails with
    /// "Expected false to be true … toFloat at c10/core/Scalar.h" (seen in slice mode, whose resnet18 steps are long).</remarks>
    public static void Step(Adam optimizer, nn.Module model, double learningRate, double weightDecay)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var states = optimizer.state_dict().State;
        using TorchSharp.Scalar beta1 = Beta1, beta2 = Beta2, oneMinusBeta1 = 1 - Beta1, oneMinusBeta2 = 1 - Beta2, eps = Epsilon, decay = weightDecay;
        int index = 0;
        foreach (var parameter in model.parameters().Where(p => p.requires_grad))
        {
            var state = (Adam.State)states[index++];
            var grad = parameter.grad;
            if (grad is null) continue;
            state.step += 1;
            double correction1 = 1 - Math.Pow(Beta1, state.step), correction2 = 1 - Math.Pow(Beta2, state.step);
            using TorchSharp.Scalar root = Math.Sqrt(correction2), stepSize = -(learningRate / correction1);
            if (weightDecay != 0) grad = grad.add(parameter, decay);
            state.exp_avg.mul_(beta1).add_(grad, oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad.conj(), oneMinusBeta2);
            var denominator = state.exp_avg_sq.sqrt().div(root).add_(eps, HeldScalars.One); // add_(eps) would pass a temporary alpha
            parameter.addcdiv_(state.exp_avg, denominator, stepSize);
        }
        if (index != states.Count)
            throw new InvalidOperationException($"the optimizer holds {states.Count} parameters; the network has {index} trainable ones.");
    }

    /// <summary>PyTorch's Adam state dict: <c>{"state": {i: {step, exp_avg, exp_avg_sq}}, "param_groups": [...]}</c>.</summary>
    public static Dictionary<string, object?> ToPyTorch(Adam optimizer, double learningRate, double weightDecay)
    {
        var sd = optimizer.state_dict();
        var state = new Dictionary<long, object?>();
        for (int i = 0; i < sd.State.Count; i++)
        {
            var s = (Adam.State)sd.State[i];
            if (s.step == 0) continue; // PyTorch has no entry for a parameter never stepped
            state[i] = new Dictionary<string, object?>
            {
                ["step"] = tensor((float)s.step),
                ["exp_avg"] = s.exp_avg.detach().cpu(),
                ["exp_avg_sq"] = s.exp_avg_sq.detach().cpu(),
            };
        }
        var group = new Dictionary<string, object?>
        {
            ["lr"] = learningRate,
            ["betas"] = new PyTuple(0.9, 0.999),
            ["eps"] = 1e-08,
            ["weight_decay"] = weightDecay,
            ["amsgrad"] = false,
            ["maximize"] = false,
            ["foreach"] = null,
            ["capturable"] = false,
            ["differentiable"] = false,
            ["fused"] = null,
            ["params"] = Enumerable.Range(0, sd.State.Count).Select(i => (object?)(long)i).ToList(),
        };
        return new Dictionary<string, object?> { ["state"] = state, ["param_groups"] = new List<object?> { group } };
    }

    /// <summary>Restores a state written by <see cref="ToPyTorch"/> (or by PyTorch for the same parameters).</summary>
    /// <exception cref="CheckpointException">The dict does not match the optimizer's parameters.</exception>
    public static void FromPyTorch(Adam optimizer, object? entry, string path)
    {
        var sd = optimizer.state_dict();
        if (entry is not System.Collections.IDictionary root || root["state"] is not System.Collections.IDictionary states)
            throw new CheckpointException(path, "\"optimizer\" is not a PyTorch optimizer state dict.");
        using var noGrad = no_grad();
        foreach (System.Collections.DictionaryEntry kv in states)
        {
            int index = Convert.ToInt32(kv.Key, System.Globalization.CultureInfo.InvariantCulture);
            if (index < 0 || index >= sd.State.Count || kv.Value is not System.Collections.IDictionary s)
                throw new CheckpointException(path, $"optimizer state {kv.Key} does not match the network's {sd.State.Count} parameters.");
            var target = (Adam.State)sd.State[index];
            target.step = s["step"] switch
            {
                Tensor t => (long)Math.Round(t.to(ScalarType.Float64).item<double>()),
                var v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture),
            };
            CopyInto(target.exp_avg, s["exp_avg"], path, index);
            CopyInto(target.exp_avg_sq, s["exp_avg_sq"], path, index);
        }
    }

    private static void CopyInto(Tensor destination, object? source, string path, int index)
    {
        if (source is not Tensor t || !t.shape.SequenceEqual(destination.shape))
            throw new CheckpointException(path, $"optimizer state {index} has a moment of the wrong shape.");
        destination.copy_(t.to(destination.dtype).to(destination.device));
    }
}
