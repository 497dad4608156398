using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Tests.Formats.Tsv;

public sealed class TsvWriterTests
{
    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(1.0, "1.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(-2.0, "-2.0")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.5e16, "1.5e+16")]
    [InlineData(9999999999999998.0, "9999999999999998.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(2.5e-7, "2.5e-07")]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.PositiveInfinity, "inf")]
    public void PythonFloat_Double_MatchesPythonRepr(double value, string expected)
        => Assert.Equal(expected, TsvWriter.PythonFloat(value));

    [Fact]
    public void PythonFloat_Float32_IsTheWidenedValue()
        => Assert.Equal("0.7310585975646973", TsvWriter.PythonFloat(0.7310586f));

    [Fact]
    public void Format_WritesHeaderRowsAndValues()
    {
        string text = TsvWriter.Format(["a", "b", "c", "d"], [["x", 1, 0.25, null], ["y", true, 2.0f, 3L]]);
        Assert.Equal("a\tb\tc\td\nx\t1\t0.25\t\ny\tTrue\t2.0\t3\n", text);
    }
}
