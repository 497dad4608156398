namespace ClinicaDl.Formats.PyTorch;

/// <summary>What a <see cref="PickleReader"/> asks of its user: which globals exist, and what calling them makes.</summary>
/// <remarks>
/// The reader itself knows only Python's built-in values (None, bool, int, float, str, bytes, tuple, list, dict).
/// Everything else must be allowed here, so a file cannot make the reader run or build anything unexpected.
/// Implementations throw <see cref="InvalidDataException"/> for what they do not allow.
/// </remarks>
internal interface IPickleResolver
{
    /// <summary>The object a <c>GLOBAL</c>/<c>STACK_GLOBAL</c> of <paramref name="module"/>.<paramref name="name"/> pushes.</summary>
    object FindClass(string module, string name);

    /// <summary>The result of <c>REDUCE</c> or <c>NEWOBJ</c>: <paramref name="callable"/> called with <paramref name="args"/>.</summary>
    object? Call(object? callable, PyTuple args);

    /// <summary>Applies a <c>BUILD</c> (<c>__setstate__</c>) of <paramref name="state"/> to <paramref name="instance"/>.</summary>
    void Build(object? instance, object? state);

    /// <summary>The object a <c>BINPERSID</c> of <paramref name="pid"/> pushes.</summary>
    object PersistentLoad(object? pid);
}
