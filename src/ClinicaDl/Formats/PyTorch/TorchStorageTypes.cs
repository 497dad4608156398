using static TorchSharp.torch;

namespace ClinicaDl.Formats.PyTorch;

/// <summary>The legacy storage classes (<c>torch.FloatStorage</c>, …) that name a tensor's element type in PyTorch files.</summary>
/// <remarks>
/// <c>torch.save</c> writes these names in every persistent id, and they are on the allow-list of
/// <c>torch.load(weights_only=True)</c>, so files that use only them load in both modes.
/// </remarks>
internal static class TorchStorageTypes
{
    private static readonly (ScalarType Type, string Name, int Size)[] Table =
    [
        (ScalarType.Float32, "FloatStorage", 4),
        (ScalarType.Float64, "DoubleStorage", 8),
        (ScalarType.Float16, "HalfStorage", 2),
        (ScalarType.BFloat16, "BFloat16Storage", 2),
        (ScalarType.Int64, "LongStorage", 8),
        (ScalarType.Int32, "IntStorage", 4),
        (ScalarType.Int16, "ShortStorage", 2),
        (ScalarType.Int8, "CharStorage", 1),
        (ScalarType.Byte, "ByteStorage", 1),
        (ScalarType.Bool, "BoolStorage", 1),
        (ScalarType.ComplexFloat32, "ComplexFloatStorage", 8),
        (ScalarType.ComplexFloat64, "ComplexDoubleStorage", 16),
    ];

    /// <summary>The storage class name (without the <c>torch.</c> module) for <paramref name="type"/>.</summary>
    public static bool TryGetName(ScalarType type, out string name)
    {
        foreach (var row in Table)
        {
            if (row.Type == type)
            {
                name = row.Name;
                return true;
            }
        }
        name = "";
        return false;
    }

    /// <summary>The element type and size named by storage class <paramref name="name"/> (e.g. <c>FloatStorage</c>).</summary>
    public static bool TryGetType(string name, out ScalarType type, out int elementSize)
    {
        foreach (var row in Table)
        {
            if (row.Name == name)
            {
                type = row.Type;
                elementSize = row.Size;
                return true;
            }
        }
        type = default;
        elementSize = 0;
        return false;
    }

    /// <summary>The element types that can be saved, for error messages.</summary>
    public static string Supported => string.Join(", ", Table.Select(r => r.Type));
}
