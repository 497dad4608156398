using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Converts TorchSharp's Adam state to and from PyTorch's <c>optimizer.state_dict()</c> layout.</summary>
internal static class AdamState
{
    /// <summary>Creates the optimizer ClinicaDL uses: Adam(lr, betas (0.9, 0.999), eps 1e-8, weight_decay), no amsgrad.</summary>
    public static Adam Create(nn.Module model, double learningRate, double weightDecay)
        => new(model.parameters().Where(p => p.requires_grad), learningRate, 0.9, 0.999, 1e-8, weightDecay, amsgrad: false, maximize: false);

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
