using System.Buffers.Binary;
using System.Numerics;

namespace ClinicaDl.Formats.TensorBoard;

/// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and TFRecord's masked form of it.</summary>
/// <remarks>
/// System.IO.Hashing (10.0.0, and 11.0.0 too) has only the IEEE CRC-32, so we use the BCL's
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> step, which uses the SSE4.2/ARMv8 CRC instructions when
/// present and a table otherwise. Known answer: CRC-32C("123456789") = 0xE3069283.
/// </remarks>
internal static class Crc32C
{
    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }
        foreach (byte b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>The masked CRC-32C TFRecord stores: <c>((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8</c>.</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8);
    }
}
