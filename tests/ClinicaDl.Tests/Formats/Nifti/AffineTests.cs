using ClinicaDl.Formats.Nifti;

namespace ClinicaDl.Tests.Formats.Nifti;

public sealed class AffineTests
{
    [Fact]
    public void Constructor_LastRowNotHomogeneous_Throws()
        => Assert.Throws<ArgumentException>(() => new Affine(new double[,] { { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 1, 1 } }));

    [Fact]
    public void Constructor_NotFourByFour_Throws()
        => Assert.Throws<ArgumentException>(() => new Affine(new double[3, 4]));

    [Fact]
    public void Constructor_NonFinite_Throws()
        => Assert.Throws<ArgumentException>(() => new Affine(new double[,] { { double.NaN, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } }));

    [Fact]
    public void ToArray_ReturnsCopy()
    {
        var a = Affine.Diagonal(2, 3, 4);
        double[,] m = a.ToArray();
        m[0, 0] = 99;
        Assert.Equal(2, a[0, 0]);
    }

    [Fact]
    public void Apply_MapsVoxelToWorld()
    {
        var a = new Affine(new double[,] { { 0, -3, 0, 10 }, { 2, 0, 0, 20 }, { 0, 0, 4, 30 }, { 0, 0, 0, 1 } });
        Assert.Equal((7.0, 22.0, 42.0), a.Apply(1, 1, 3));
    }

    [Fact]
    public void ColumnNorm_GivesVoxelSize()
        => Assert.Equal(5, new Affine(new double[,] { { 3, 0, 0, 0 }, { 4, 1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } }).ColumnNorm(0));
}
