namespace ClinicaDl.Formats.PyTorch;

/// <summary>A Python dict or <c>collections.OrderedDict</c> while it is being unpickled: its items in insertion order.</summary>
internal sealed class PyDict
{
    private readonly List<KeyValuePair<object, object?>> items = [];
    private readonly Dictionary<object, int> index = [];

    /// <summary>Creates an empty dict; <paramref name="ordered"/> marks an <c>OrderedDict</c>.</summary>
    public PyDict(bool ordered) => Ordered = ordered;

    /// <summary>True for a <c>collections.OrderedDict</c> (a state dict), false for a plain dict.</summary>
    public bool Ordered { get; }

    /// <summary>The items in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object, object?>> Items => items;

    /// <summary>Sets <paramref name="key"/> as Python does: a new key goes last, an existing key keeps its place.</summary>
    /// <exception cref="InvalidDataException">The key is not a string, an integer, a float or a boolean.</exception>
    public void Set(object? key, object? value)
    {
        if (key is not (string or long or double or bool))
            throw new InvalidDataException($"a dict key of type {PythonValues.TypeName(key)} is not supported (only str, int, float and bool keys are).");
        if (index.TryGetValue(key, out int at))
        {
            items[at] = new(key, value);
        }
        else
        {
            index[key] = items.Count;
            items.Add(new(key, value));
        }
    }
}
