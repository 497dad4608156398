using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ClinicaDl.Formats.Nifti;

/// <summary>Converts stored voxels to float32 values and back, a chunk at a time, with one type switch per chunk.</summary>
/// <remarks>
/// Reading follows nibabel's <c>get_fdata()</c> followed by a cast to float32: raw values are scaled in
/// double (multiply only when the slope is not 1, add only when the intercept is not 0), then rounded
/// once to float32. Writing rounds half to even and clamps to the type's range for integer types
/// (NaN becomes 0), as <c>np.clip(np.rint(x), lo, hi)</c> would.
/// </remarks>
internal static class VoxelConverter
{
    /// <summary>Converts <paramref name="raw"/> (in file byte order; swapped in place when <paramref name="swap"/>) into <paramref name="destination"/>.</summary>
    /// <param name="raw">Whole voxels of <paramref name="type"/>; its contents are changed when <paramref name="swap"/> is true.</param>
    /// <param name="destination">Exactly raw.Length / size elements.</param>
    /// <param name="type">The stored type.</param>
    /// <param name="swap">True when the file's byte order differs from this machine's.</param>
    /// <param name="slope">Scaling slope (1 for none).</param>
    /// <param name="inter">Scaling intercept (0 for none).</param>
    public static void ToSingle(Span<byte> raw, Span<float> destination, NiftiDataType type, bool swap, double slope, double inter)
    {
        switch (type)
        {
            case NiftiDataType.UInt8: Convert<byte>(raw, destination, slope, inter); break;
            case NiftiDataType.Int8: Convert<sbyte>(MemoryMarshal.Cast<byte, sbyte>(raw), destination, slope, inter); break;
            case NiftiDataType.Int16: Convert(Swapped<short>(raw, swap), destination, slope, inter); break;
            case NiftiDataType.UInt16: Convert(Swapped<ushort>(raw, swap), destination, slope, inter); break;
            case NiftiDataType.Int32: Convert(Swapped<int>(raw, swap), destination, slope, inter); break;
            case NiftiDataType.Float32:
                Span<uint> bits = Swapped<uint>(raw, swap);
                MemoryMarshal.Cast<uint, float>(bits).CopyTo(destination);
                Scale(destination, slope, inter);
                break;
            case NiftiDataType.Float64:
                Span<ulong> wide = Swapped<ulong>(raw, swap);
                Convert<double>(MemoryMarshal.Cast<ulong, double>(wide), destination, slope, inter);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a supported NIfTI data type");
        }
    }

    /// <summary>Applies value = value × slope + inter in place (computed in double), skipping the identity.</summary>
    public static void Scale(Span<float> values, double slope, double inter)
    {
        if (slope == 1 && inter == 0) return;
        if (inter == 0)
            for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] * slope);
        else if (slope == 1)
            for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] + inter);
        else
            for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] * slope + inter);
    }

    /// <summary>Converts <paramref name="source"/> to <paramref name="type"/>, little-endian, into <paramref name="destination"/> (source.Length × size bytes).</summary>
    public static void FromSingle(ReadOnlySpan<float> source, Span<byte> destination, NiftiDataType type)
    {
        switch (type)
        {
            case NiftiDataType.UInt8: ToInteger(source, destination, byte.MinValue, byte.MaxValue); break;
            case NiftiDataType.Int8: ToInteger(source, MemoryMarshal.Cast<byte, sbyte>(destination), sbyte.MinValue, sbyte.MaxValue); break;
            case NiftiDataType.Int16: ToInteger(source, MemoryMarshal.Cast<byte, short>(destination), short.MinValue, short.MaxValue); break;
            case NiftiDataType.UInt16: ToInteger(source, MemoryMarshal.Cast<byte, ushort>(destination), ushort.MinValue, ushort.MaxValue); break;
            case NiftiDataType.Int32: ToInteger(source, MemoryMarshal.Cast<byte, int>(destination), int.MinValue, int.MaxValue); break;
            case NiftiDataType.Float32: MemoryMarshal.AsBytes(source).CopyTo(destination); break;
            case NiftiDataType.Float64:
                Span<double> d = MemoryMarshal.Cast<byte, double>(destination);
                for (int i = 0; i < source.Length; i++) d[i] = source[i];
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "not a supported NIfTI data type");
        }
        if (!BitConverter.IsLittleEndian) SwapInPlace(destination[..(source.Length * type.Size())], type.Size());
    }

    /// <summary>Reverses the byte order of every <paramref name="size"/>-byte element of <paramref name="bytes"/>.</summary>
    public static void SwapInPlace(Span<byte> bytes, int size)
    {
        switch (size)
        {
            case 2: Swapped<ushort>(bytes, true); break;
            case 4: Swapped<uint>(bytes, true); break;
            case 8: Swapped<ulong>(bytes, true); break;
        }
    }

    private static Span<T> Swapped<T>(Span<byte> raw, bool swap) where T : unmanaged, IBinaryInteger<T>
    {
        Span<T> values = MemoryMarshal.Cast<byte, T>(raw);
        if (swap)
        {
            // The span overloads are vectorised; one call per chunk.
            if (typeof(T) == typeof(short)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, short>(values), MemoryMarshal.Cast<T, short>(values));
            else if (typeof(T) == typeof(ushort)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, ushort>(values), MemoryMarshal.Cast<T, ushort>(values));
            else if (typeof(T) == typeof(int)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, int>(values), MemoryMarshal.Cast<T, int>(values));
            else if (typeof(T) == typeof(uint)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, uint>(values), MemoryMarshal.Cast<T, uint>(values));
            else if (typeof(T) == typeof(ulong)) BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, ulong>(values), MemoryMarshal.Cast<T, ulong>(values));
            else throw new NotSupportedException(typeof(T).Name);
        }
        return values;
    }

    private static void Convert<T>(ReadOnlySpan<T> source, Span<float> destination, double slope, double inter)
        where T : unmanaged, INumberBase<T>
    {
        destination = destination[..source.Length];
        if (slope == 1 && inter == 0)
        {
            for (int i = 0; i < source.Length; i++) destination[i] = float.CreateTruncating(source[i]);
            return;
        }
        for (int i = 0; i < source.Length; i++)
        {
            double x = double.CreateTruncating(source[i]);
            if (slope != 1) x *= slope;
            if (inter != 0) x += inter;
            destination[i] = (float)x;
        }
    }

    private static void ToInteger<T>(ReadOnlySpan<float> source, Span<T> destination, double min, double max)
        where T : unmanaged, INumberBase<T>
    {
        for (int i = 0; i < source.Length; i++)
        {
            float v = source[i];
            destination[i] = float.IsNaN(v) ? T.Zero : T.CreateTruncating(Math.Round(Math.Clamp(v, min, max), MidpointRounding.ToEven));
        }
    }
}
