using static TorchSharp.torch;

namespace ClinicaDl.Formats.PyTorch;

/// <summary>Turns unpickled values into the types <see cref="PyTorchFile"/> returns, and names Python types in messages.</summary>
internal static class PythonValues
{
    private const int MaxDepth = 1000;

    /// <summary>The Python type of an unpickled value, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "None",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        PyTuple => "tuple",
        List<object?> => "list",
        PyDict { Ordered: true } => "collections.OrderedDict",
        PyDict => "dict",
        Tensor => "torch.Tensor",
        _ => value.ToString() ?? value.GetType().Name,
    };

    /// <summary>Converts an unpickled value to its public form (see <see cref="PyTorchFile.Load"/>), collecting its tensors.</summary>
    /// <exception cref="InvalidDataException">The value holds an object that is not data (a class, a storage, a dtype).</exception>
    public static object? ToPublic(object? value, List<Tensor> tensors, int depth = 0)
    {
        if (depth > MaxDepth)
            throw new InvalidDataException($"values nested deeper than {MaxDepth} levels.");
        switch (value)
        {
            case null or bool or long or double or string or byte[]:
                return value;
            case Tensor t:
                tensors.Add(t);
                return t;
            case PyTuple tuple:
                return new PyTuple(tuple.Select(v => ToPublic(v, tensors, depth + 1)).ToArray());
            case List<object?> list:
                return list.Select(v => ToPublic(v, tensors, depth + 1)).ToList();
            case PyDict { Ordered: true } dict when dict.Items.All(kv => kv.Key is string && kv.Value is Tensor):
                var stateDict = new OrderedDictionary<string, Tensor>(dict.Items.Count);
                foreach (var (key, v) in dict.Items)
                {
                    tensors.Add((Tensor)v!);
                    stateDict.Add((string)key, (Tensor)v!);
                }
                return stateDict;
            case PyDict dict when dict.Items.All(kv => kv.Key is string):
                return ToDictionary(dict, k => (string)k, tensors, depth);
            case PyDict dict when dict.Items.All(kv => kv.Key is long):
                return ToDictionary(dict, k => (long)k, tensors, depth);
            case PyDict dict:
                return ToDictionary(dict, k => k, tensors, depth);
            default:
                throw new InvalidDataException($"the file holds a {TypeName(value)} object, which is not data.");
        }
    }

    /// <summary>Converts a dict with string keys to a string-keyed dictionary, whatever its values (a top-level checkpoint).</summary>
    public static OrderedDictionary<string, object?>? ToStringKeyed(object? value, List<Tensor> tensors)
        => value is PyDict dict && dict.Items.All(kv => kv.Key is string)
            ? ToDictionary(dict, k => (string)k, tensors, 0)
            : null;

    private static OrderedDictionary<TKey, object?> ToDictionary<TKey>(PyDict dict, Func<object, TKey> key, List<Tensor> tensors, int depth)
        where TKey : notnull
    {
        var result = new OrderedDictionary<TKey, object?>(dict.Items.Count);
        foreach (var (k, v) in dict.Items)
            result.Add(key(k), ToPublic(v, tensors, depth + 1));
        return result;
    }
}
