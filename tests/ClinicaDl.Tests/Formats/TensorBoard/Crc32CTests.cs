using System.Text;
using ClinicaDl.Formats.TensorBoard;

namespace ClinicaDl.Tests.Formats.TensorBoard;

public sealed class Crc32CTests
{
    [Fact]
    public void Compute_CheckString_GivesTheKnownAnswer()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Compute_Empty_IsZero()
    {
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void Compute_AnyLength_MatchesTheBitwiseDefinition()
    {
        var random = new Random(7);
        for (int length = 0; length <= 70; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Bitwise(data), Crc32C.Compute(data));
        }
    }

    [Fact]
    public void Masked_CheckString_RotatesAndAddsTheTfRecordConstant()
    {
        uint crc = 0xE3069283u;
        uint expected = unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
        Assert.Equal(expected, Crc32C.Masked(Encoding.ASCII.GetBytes("123456789")));
    }

    /// <summary>CRC-32C straight from its definition: reflected polynomial 0x82F63B78, one bit at a time.</summary>
    private static uint Bitwise(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
    }
}
