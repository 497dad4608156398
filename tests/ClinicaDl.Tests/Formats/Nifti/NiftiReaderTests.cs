using ClinicaDl.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Formats.Nifti;

public sealed partial class NiftiReaderTests
{
    private static double[,] Rows(params double[] first12) => new double[,]
    {
        { first12[0], first12[1], first12[2], first12[3] },
        { first12[4], first12[5], first12[6], first12[7] },
        { first12[8], first12[9], first12[10], first12[11] },
        { 0, 0, 0, 1 },
    };

    private static void AssertAffine(double[,] expected, Affine actual, double tolerance = 1e-6)
        => Assert.True(new Affine(expected).ApproximatelyEquals(actual, tolerance), $"expected {new Affine(expected)}, got {actual}");

    [Fact]
    public void Read_Float32Nii_ReturnsShapeDataAndHeader()
    {
        using var dir = new TempDir();
        string path = new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii"));

        NiftiImage image = NiftiReader.Read(path);

        Assert.Equal([7, 5, 3], image.Shape);
        Assert.Equal(NiftiFileBuilder.Ramp().Select(v => (float)v), image.Data);
        Assert.Equal(NiftiDataType.Float32, image.Header.DataType);
        Assert.Equal(352, image.Header.VoxOffset);
        Assert.False(image.Header.IsBigEndian);
        Assert.Equal((float)(2 + 7 * (3 + 5 * 1) + 0.5), image.Data[image.IndexOf(2, 3, 1)]);
    }

    [Fact]
    public void Read_SformCodePositive_UsesSform()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder
        {
            SformCode = 2,
            QformCode = 1,
            Quatern = [0, 0, 1],
            Srow = [0.9f, 0.1f, 0, -90, -0.1f, 1.1f, 0, -126, 0, 0, 1.2f, -72],
        };
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii"));

        Affine affine = NiftiReader.Read(path).Affine;

        Assert.Equal(new Affine(Rows(0.9f, 0.1f, 0, -90, -0.1f, 1.1f, 0, -126, 0, 0, 1.2f, -72)), affine);
    }

    [Fact]
    public void Read_QformOnly_UsesQuaternionZoomsAndOffset()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder
        {
            QformCode = 1,
            Quatern = [0, 0, MathF.Sqrt(0.5f)], // 90° about z
            Qoffset = [10, 20, 30],
            Pixdim = [1, 2, 3, 4, 1, 1, 1, 1],
        };
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii"));

        AssertAffine(Rows(0, -3, 0, 10, 2, 0, 0, 20, 0, 0, 4, 30), NiftiReader.Read(path).Affine);
    }

    [Fact]
    public void Read_QformWithNegativeQfac_FlipsThirdAxis()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder
        {
            QformCode = 1,
            Quatern = [0, 0, MathF.Sqrt(0.5f)],
            Qoffset = [10, 20, 30],
            Pixdim = [-1, 2, 3, 4, 1, 1, 1, 1],
        };
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii"));

        AssertAffine(Rows(0, -3, 0, 10, 2, 0, 0, 20, 0, 0, -4, 30), NiftiReader.Read(path).Affine);
    }

    [Fact]
    public void Read_QformRotation180_NormalisesQuaternionAboveOne()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { QformCode = 1, Quatern = [1.0000001f, 0, 0] }; // 180° about x, float32 rounding above 1
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii"));

        AssertAffine(Rows(1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 0), NiftiReader.Read(path).Affine);
    }

    [Fact]
    public void Read_NoTransformCodes_UsesPixdimDiagonal()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { Pixdim = [1, 1.5f, 2, 2.5f, 1, 1, 1, 1], Srow = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5] };
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii"));

        Assert.Equal(Affine.Diagonal(1.5, 2, 2.5), NiftiReader.Read(path).Affine);
    }

    [Fact]
    public void Read_Int16WithSlopeAndInter_ScalesInDouble()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { DataType = 4, SclSlope = 0.1f, SclInter = -3.7f };
        double[] raw = Enumerable.Range(0, 105).Select(i => (double)(i * 300 - 16000)).ToArray();
        string path = b.WithValues(raw).WriteTo(dir.Combine("a.nii.gz"));

        NiftiImage image = NiftiReader.Read(path);

        Assert.Equal(raw.Select(v => (float)(v * (double)0.1f + (double)-3.7f)), image.Data);
        Assert.True(image.Header.HasScaling);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Read_SlopeZeroOrNotFinite_LeavesRawValues(float slope)
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { DataType = 2, SclSlope = slope, SclInter = float.NaN };
        double[] raw = Enumerable.Range(0, 105).Select(i => (double)(i * 2)).ToArray();
        string path = b.WithValues(raw).WriteTo(dir.Combine("a.nii"));

        Assert.Equal(raw.Select(v => (float)v), NiftiReader.Read(path).Data);
    }

    [Theory]
    [InlineData((short)2)]
    [InlineData((short)4)]
    [InlineData((short)8)]
    [InlineData((short)16)]
    [InlineData((short)64)]
    [InlineData((short)256)]
    [InlineData((short)512)]
    public void Read_BigEndian_GivesSameValuesAsLittleEndian(short datatype)
    {
        using var dir = new TempDir();
        double[] values = Enumerable.Range(0, 105).Select(i => datatype == 256 ? i - 60.0 : datatype is 16 or 64 ? i * -1.25 : i * 2.0).ToArray();
        var big = new NiftiFileBuilder { BigEndian = true, DataType = datatype, SformCode = 1, SclSlope = 2, SclInter = 1 };
        var little = new NiftiFileBuilder { DataType = datatype, SformCode = 1, SclSlope = 2, SclInter = 1 };
        string bigPath = big.WithValues(values).WriteTo(dir.Combine("big.nii"));
        string littlePath = little.WithValues(values).WriteTo(dir.Combine("little.nii.gz"));

        NiftiImage fromBig = NiftiReader.Read(bigPath);
        NiftiImage fromLittle = NiftiReader.Read(littlePath);

        Assert.True(fromBig.Header.IsBigEndian);
        Assert.Equal(fromLittle.Data, fromBig.Data);
        Assert.Equal(values.Select(v => (float)(v * 2 + 1)), fromBig.Data);
        Assert.Equal(fromLittle.Affine, fromBig.Affine);
    }

    [Fact]
    public void Read_FourDimensionalWithOneVolume_ReadsAsThreeD()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { Dim = [4, 7, 5, 3, 1, 1, 1, 1] };
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii.gz"));

        NiftiImage image = NiftiReader.Read(path);

        Assert.Equal([7, 5, 3], image.Shape);
        Assert.Equal(4, image.Header.Rank);
        Assert.Equal(105, image.Data.Length);
    }

    [Fact]
    public void Read_FiveDimensionalWithSingletons_ReadsAsThreeD()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { Dim = [5, 7, 5, 3, 1, 1, 9, 9] };
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii"));

        Assert.Equal([7, 5, 3], NiftiReader.Read(path).Shape);
    }

    [Fact]
    public void Read_GzipWithoutGzExtension_DetectsCompressionFromMagicBytes()
    {
        using var dir = new TempDir();
        string path = dir.Combine("compressed-but-named.nii");
        File.WriteAllBytes(path, NiftiFileBuilder.Gzip(new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp()).Build()));

        Assert.Equal(NiftiFileBuilder.Ramp().Select(v => (float)v), NiftiReader.Read(path).Data);
    }

    [Fact]
    public void Read_PlainFileWithGzExtension_ReadsUncompressed()
    {
        using var dir = new TempDir();
        string path = dir.Combine("plain-but-named.nii.gz");
        File.WriteAllBytes(path, new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp()).Build());

        Assert.Equal(NiftiFileBuilder.Ramp().Select(v => (float)v), NiftiReader.Read(path).Data);
    }

    [Theory]
    [InlineData("a.nii")]
    [InlineData("a.nii.gz")]
    public void Read_VoxOffsetBeyondHeader_SkipsExtensionBytes(string name)
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { VoxOffset = 1024 };
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine(name));

        NiftiImage image = NiftiReader.Read(path);

        Assert.Equal(1024, image.Header.VoxOffset);
        Assert.Equal(NiftiFileBuilder.Ramp().Select(v => (float)v), image.Data);
    }

    [Fact]
    public void Read_GzipWithSeveralMembers_ReadsThemAll()
    {
        using var dir = new TempDir();
        byte[] file = new NiftiFileBuilder { DataType = 4 }.WithValues(NiftiFileBuilder.Ramp().Select(v => v * 10).ToArray()).Build();
        string path = dir.Combine("members.nii.gz");
        File.WriteAllBytes(path, [.. NiftiFileBuilder.Gzip(file[..400]), .. NiftiFileBuilder.Gzip(file[400..])]);

        Assert.Equal(NiftiFileBuilder.Ramp().Select(v => (float)(short)(v * 10)), NiftiReader.Read(path).Data);
    }

    [Theory]
    [InlineData("a.nii")]
    [InlineData("a.nii.gz")]
    public void Read_BytesAfterData_AreIgnored(string name)
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp());
        b.Data = [.. b.Data, 1, 2, 3, 4, 5];
        string path = b.WriteTo(dir.Combine(name));

        Assert.Equal(NiftiFileBuilder.Ramp().Select(v => (float)v), NiftiReader.Read(path).Data);
    }

    [Fact]
    public void ReadHeader_NiiGz_ReturnsHeaderFields()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { DataType = 512, SclSlope = 3, SclInter = 4, SformCode = 4, Pixdim = [1, 1, 1, 1, 1, 1, 1, 1] };
        string path = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("a.nii.gz"));

        NiftiHeader header = NiftiReader.ReadHeader(path);

        Assert.Equal(NiftiDataType.UInt16, header.DataType);
        Assert.Equal(16, header.BitPix);
        Assert.Equal(3f, header.SclSlope);
        Assert.Equal(4f, header.SclInter);
        Assert.Equal(4, header.SformCode);
        Assert.Equal([7, 5, 3], header.SpatialShape);
        Assert.Equal(105, header.VoxelCount);
        Assert.Equal(10, header.XyztUnits);
    }
}
