using ClinicaDl.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Formats.Nifti;

public sealed class NiftiWriterTests
{
    private static readonly int[] Shape = [7, 5, 3];

    /// <summary>An oblique, flipped, anisotropic affine: a rotation about z by 30°, zooms (1.5, 2, 2.5), x flipped.</summary>
    internal static Affine Oblique()
    {
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        return new Affine(new double[,]
        {
            { -1.5 * c, -2 * s, 0, 90.25 },
            { -1.5 * s, 2 * c, 0, -126.5 },
            { 0, 0, 2.5, -72 },
            { 0, 0, 0, 1 },
        });
    }

    /// <summary>Values every type can hold exactly (integers in 0..104, shifted down for int8).</summary>
    private static float[] ValuesFor(NiftiDataType type) => Enumerable.Range(0, 105)
        .Select(i => type switch
        {
            NiftiDataType.Float32 => i * 1.37f - 50.5f,
            NiftiDataType.Float64 => i * 0.1f,
            NiftiDataType.Int8 => i - 60f,
            NiftiDataType.Int16 or NiftiDataType.Int32 => i * 300f - 16000f,
            _ => (float)i,
        }).ToArray();

    public static TheoryData<NiftiDataType, string> TypesAndExtensions()
    {
        var data = new TheoryData<NiftiDataType, string>();
        foreach (NiftiDataType t in Enum.GetValues<NiftiDataType>())
            foreach (string ext in new[] { ".nii", ".nii.gz" })
                data.Add(t, ext);
        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndExtensions))]
    public void Write_ThenRead_RoundTripsValuesTypeAndAffine(NiftiDataType type, string extension)
    {
        using var dir = new TempDir();
        string path = dir.Combine("image" + extension);
        float[] values = ValuesFor(type);

        NiftiWriter.Write(path, Shape, values, Oblique(), type);
        NiftiImage back = NiftiReader.Read(path);

        Assert.Equal(Shape, back.Shape);
        Assert.Equal(type, back.Header.DataType);
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Data.Select(BitConverter.SingleToInt32Bits));
        Assert.True(Oblique().ApproximatelyEquals(back.Affine, 1e-4), back.Affine.ToString());
    }

    [Fact]
    public void Write_Float32_KeepsSpecialValuesBitwise()
    {
        using var dir = new TempDir();
        string path = dir.Combine("special.nii.gz");
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue, 1e-30f, 3];

        NiftiWriter.Write(path, [2, 2, 2], values, Affine.Identity);

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), NiftiReader.Read(path).Data.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(NiftiDataType.Int16, new float[] { 2.5f, 3.5f, -2.5f, 40000f, -40000f, float.NaN, float.PositiveInfinity, 0.49f },
                                     new float[] { 2, 4, -2, 32767, -32768, 0, 32767, 0 })]
    [InlineData(NiftiDataType.UInt8, new float[] { -3f, 300f, 254.5f, 253.5f, 0.5f, 1.5f, float.NaN, 7.7f },
                                     new float[] { 0, 255, 254, 254, 0, 2, 0, 8 })]
    [InlineData(NiftiDataType.Int32, new float[] { 3e9f, -3e9f, 1.5f, -1.5f, 16777216f, 0, 0, 0 },
                                     new float[] { 2147483647f, -2147483648f, 2, -2, 16777216f, 0, 0, 0 })]
    public void Write_IntegerType_RoundsHalfToEvenClampsAndZeroesNaN(NiftiDataType type, float[] values, float[] expected)
    {
        using var dir = new TempDir();
        string path = dir.Combine("ints.nii");

        NiftiWriter.Write(path, [2, 2, 2], values, Affine.Identity, type);

        Assert.Equal(expected, NiftiReader.Read(path).Data);
    }

    [Fact]
    public void Write_Header_HasDocumentedFields()
    {
        using var dir = new TempDir();
        string path = dir.Combine("h.nii");

        NiftiWriter.Write(path, Shape, ValuesFor(NiftiDataType.Int16), Oblique(), NiftiDataType.Int16);
        NiftiHeader h = NiftiReader.ReadHeader(path);
        byte[] bytes = File.ReadAllBytes(path);

        Assert.Equal(352 + 105 * 2, bytes.Length);
        Assert.Equal([0x5c, 0x01, 0x00, 0x00], bytes[..4]); // sizeof_hdr 348, little-endian
        Assert.False(h.IsBigEndian);
        Assert.Equal(352, h.VoxOffset);
        Assert.Equal(16, h.BitPix);
        Assert.Equal([3, 7, 5, 3, 1, 1, 1, 1], h.Dim.Select(d => (int)d));
        Assert.Equal(1, h.SformCode);
        Assert.Equal(1, h.QformCode);
        Assert.Equal(10, h.XyztUnits);
        Assert.Equal(1f, h.SclSlope);
        Assert.Equal(0f, h.SclInter);
        Assert.Equal(-1f, h.Pixdim[0]); // the x flip makes the determinant negative
        Assert.Equal(1.5f, h.Pixdim[1], 1e-6f);
        Assert.Equal(2f, h.Pixdim[2], 1e-6f);
        Assert.Equal(2.5f, h.Pixdim[3], 1e-6f);
        Assert.Equal([(float)Oblique()[0, 0], (float)Oblique()[0, 1], 0f, 90.25f], h.SrowX.ToArray());
    }

    [Fact]
    public void Write_RotationZoomAffine_StoresSameTransformInQform()
    {
        using var dir = new TempDir();
        string path = dir.Combine("q.nii");
        NiftiWriter.Write(path, Shape, ValuesFor(NiftiDataType.Float32), Oblique());

        // Read the qform alone: same file, sform_code zeroed.
        byte[] bytes = File.ReadAllBytes(path);
        bytes[254] = 0;
        bytes[255] = 0;
        string qformOnly = dir.Combine("qform-only.nii");
        File.WriteAllBytes(qformOnly, bytes);

        Affine fromQform = NiftiReader.Read(qformOnly).Affine;
        Assert.True(Oblique().ApproximatelyEquals(fromQform, 1e-5), fromQform.ToString());
    }

    [Fact]
    public void Write_ShearedAffine_LeavesQformCodeZero()
    {
        using var dir = new TempDir();
        string path = dir.Combine("shear.nii.gz");
        var shear = new Affine(new double[,] { { 1, 0.3, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { 0, 0, 0, 1 } });

        NiftiWriter.Write(path, Shape, ValuesFor(NiftiDataType.Float32), shear);
        NiftiImage back = NiftiReader.Read(path);

        Assert.Equal(0, back.Header.QformCode);
        Assert.Equal(1, back.Header.SformCode);
        Assert.True(shear.ApproximatelyEquals(back.Affine, 1e-7), back.Affine.ToString()); // float32 storage
    }

    [Fact]
    public void Write_ImageReadWithMniSform_KeepsCode()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { SformCode = 4, Srow = [1, 0, 0, -90, 0, 1, 0, -126, 0, 0, 1, -72] };
        string source = b.WithValues(NiftiFileBuilder.Ramp()).WriteTo(dir.Combine("mni.nii.gz"));
        string copy = dir.Combine("copy.nii");

        NiftiWriter.Write(copy, NiftiReader.Read(source));
        NiftiHeader h = NiftiReader.ReadHeader(copy);

        Assert.Equal(4, h.SformCode);
        Assert.Equal(4, h.QformCode);
        Assert.Equal(NiftiReader.Read(source).Affine, h.Affine);
    }

    [Fact]
    public void Write_GzExtension_WritesGzipStream()
    {
        using var dir = new TempDir();
        string path = dir.Combine("c.NII.GZ");

        NiftiWriter.Write(path, Shape, ValuesFor(NiftiDataType.Float32), Affine.Identity);

        Assert.Equal([0x1f, 0x8b], File.ReadAllBytes(path)[..2]);
    }

    [Fact]
    public void Write_ExistingFile_IsReplacedWithoutLeftovers()
    {
        using var dir = new TempDir();
        string path = dir.Combine("r.nii");
        File.WriteAllText(path, "old");

        NiftiWriter.Write(path, Shape, ValuesFor(NiftiDataType.Float32), Affine.Identity);

        Assert.Equal(ValuesFor(NiftiDataType.Float32), NiftiReader.Read(path).Data);
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Theory]
    [InlineData("image.img")]
    [InlineData("image.nii.zip")]
    [InlineData("image")]
    public void Write_UnsupportedExtension_ThrowsArgumentException(string name)
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => NiftiWriter.Write(dir.Combine(name), Shape, ValuesFor(NiftiDataType.Float32), Affine.Identity));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Write_DataLengthDiffersFromShape_ThrowsArgumentException()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => NiftiWriter.Write(dir.Combine("a.nii"), Shape, new float[104], Affine.Identity));
        Assert.Contains("105", e.Message, StringComparison.Ordinal);
    }
}
