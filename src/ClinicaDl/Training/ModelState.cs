using ClinicaDl.Errors;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Moves network weights between modules and PyTorch-format state dicts (exact keys, no renaming).</summary>
internal static class ModelState
{
    /// <summary>The module's state dict in PyTorch's order, as CPU tensors: module by module, each module's parameters then its buffers.</summary>
    /// <remarks>TorchSharp's <c>state_dict()</c> lists all parameters first and all buffers after; PyTorch (and ClinicaDL's files)
    /// list <c>weight, bias, running_mean, running_var, num_batches_tracked</c> together per layer.</remarks>
    public static List<KeyValuePair<string, Tensor>> StateDict(nn.Module module)
    {
        var all = module.state_dict();
        var ordered = new List<KeyValuePair<string, Tensor>>(all.Count);
        foreach (var key in PyTorchOrder(module, all.Keys))
            ordered.Add(new(key, all[key].detach().cpu()));
        return ordered;
    }

    /// <summary>The keys of <paramref name="keys"/> sorted as PyTorch's <c>state_dict()</c> lists them.</summary>
    public static IEnumerable<string> PyTorchOrder(nn.Module module, IEnumerable<string> keys)
    {
        // PyTorch walks modules depth first (pre-order); TorchSharp's named_modules() is breadth first.
        var moduleRank = new Dictionary<string, int>(StringComparer.Ordinal);
        void Rank(nn.Module m, string prefix)
        {
            moduleRank.TryAdd(prefix, moduleRank.Count);
            foreach (var (name, child) in m.named_children())
                Rank(child, prefix.Length == 0 ? name : $"{prefix}.{name}");
        }
        Rank(module, "");
        var buffers = module.named_buffers().Select(b => b.name).ToHashSet(StringComparer.Ordinal);
        var parameters = module.named_parameters().Select((p, i) => (p.name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        return keys.Select((key, position) =>
        {
            int dot = key.LastIndexOf('.');
            string owner = dot < 0 ? "" : key[..dot];
            int rank = moduleRank.TryGetValue(owner, out int r) ? r : int.MaxValue;
            // Within a module: parameters (in registration order) before buffers (in state-dict order).
            int within = parameters.TryGetValue(key, out int p) ? p : buffers.Contains(key) ? 1_000_000 + position : 2_000_000 + position;
            return (key, rank, within);
        }).OrderBy(x => x.rank).ThenBy(x => x.within).Select(x => x.key);
    }

    /// <summary>Extracts name → tensor pairs from a loaded checkpoint entry (an ordered dict of tensors).</summary>
    /// <exception cref="CheckpointException">The entry is not a state dict.</exception>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> FromEntry(object? entry, string path, string key)
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        if (entry is System.Collections.IDictionary dict)
        {
            foreach (System.Collections.DictionaryEntry kv in dict)
                result.Add(new(kv.Key as string ?? throw new CheckpointException(path, $"\"{key}\" has a non-string key."),
                    kv.Value as Tensor ?? throw new CheckpointException(path, $"\"{key}\"[\"{kv.Key}\"] is not a tensor.")));
            return result;
        }
        if (entry is System.Collections.IEnumerable items)
        {
            foreach (var item in items)
            {
                if (item is KeyValuePair<string, Tensor> kt) result.Add(kt);
                else if (item is KeyValuePair<string, object?> ko && ko.Value is Tensor t) result.Add(new(ko.Key, t));
                else throw new CheckpointException(path, $"\"{key}\" is not a state dict of tensors.");
            }
            return result;
        }
        throw new CheckpointException(path, $"\"{key}\" is missing or is not a state dict.");
    }

    /// <summary>Loads <paramref name="state"/> into <paramref name="module"/>, requiring exactly the module's keys and shapes (<c>strict=True</c>).</summary>
    /// <exception cref="CheckpointException">Missing or unexpected keys, or a shape mismatch; the message lists them.</exception>
    public static void LoadStrict(nn.Module module, IReadOnlyList<KeyValuePair<string, Tensor>> state, string path)
    {
        var target = module.state_dict();
        var given = state.ToDictionary(kv => kv.Key, kv => kv.Value);
        var missing = target.Keys.Where(k => !given.ContainsKey(k)).ToList();
        var unexpected = given.Keys.Where(k => !target.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new CheckpointException(path,
                $"does not fit this network: missing keys [{string.Join(", ", missing.Take(6))}{(missing.Count > 6 ? ", ..." : "")}], " +
                $"unexpected keys [{string.Join(", ", unexpected.Take(6))}{(unexpected.Count > 6 ? ", ..." : "")}].");
        foreach (var (name, tensor) in target)
        {
            var source = given[name];
            if (!source.shape.SequenceEqual(tensor.shape))
                throw new CheckpointException(path, $"\"{name}\" has shape ({string.Join(", ", source.shape)}); the network needs ({string.Join(", ", tensor.shape)}).");
        }
        Copy(module, state);
    }

    /// <summary>Copies the given tensors into the module's parameters and buffers of the same names.</summary>
    public static void Copy(nn.Module module, IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        var target = module.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, source) in state)
        {
            var destination = target[name];
            destination.copy_(source.to(destination.dtype).to(destination.device));
        }
    }
}
