using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace ClinicaDl.Formats.PyTorch;

/// <summary>A Python tuple read from or written to a PyTorch file (for example Adam's <c>betas</c>).</summary>
/// <remarks>
/// Python tells tuples from lists, and some readers care (a state dict's <c>betas</c> is a tuple, its
/// <c>params</c> a list). <see cref="PyTorchFile"/> reads every tuple as a <see cref="PyTuple"/> and writes any
/// <see cref="ITuple"/> (this type, <c>ValueTuple</c>, <c>Tuple</c>) as a tuple, so <c>(0.9, 0.999)</c> works too.
/// </remarks>
public sealed class PyTuple : IReadOnlyList<object?>, ITuple
{
    private readonly object?[] items;

    /// <summary>Creates a tuple holding <paramref name="items"/> (copied).</summary>
    public PyTuple(params object?[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        this.items = (object?[])items.Clone();
    }

    /// <summary>The empty tuple <c>()</c>.</summary>
    public static PyTuple Empty { get; } = new();

    /// <summary>The item at <paramref name="index"/>.</summary>
    public object? this[int index] => items[index];

    /// <summary>The number of items.</summary>
    public int Count => items.Length;

    int ITuple.Length => items.Length;

    /// <inheritdoc />
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => items.GetEnumerator();

    /// <summary>The tuple as Python prints it, e.g. <c>(0.9, 0.999)</c> or <c>(1,)</c>.</summary>
    public override string ToString()
    {
        var parts = items.Select(i => i switch
        {
            null => "None",
            bool b => b ? "True" : "False",
            string s => "'" + s + "'",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => i.ToString(),
        });
        return items.Length == 1 ? $"({parts.First()},)" : $"({string.Join(", ", parts)})";
    }
}
