using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Tests.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Elements;

public sealed class RoiSetTests
{
    private static readonly int[] Grid = [169, 208, 179];

    private static byte[] BoxBytes(int lo, int size)
    {
        var data = new byte[169 * 208 * 179];
        for (int k = lo; k < lo + size; k++)
            for (int j = lo; j < lo + size; j++)
                for (int i = lo; i < lo + size; i++)
                    data[i + 169 * (j + 208 * k)] = 1;
        return data;
    }

    [Theory]
    [InlineData(new short[] { 3, 169, 208, 179, 1, 1, 1, 1 })]      // 3-D
    [InlineData(new short[] { 4, 169, 208, 179, 1, 1, 1, 1 })]      // 4-D with a trailing singleton
    [InlineData(new short[] { 4, 1, 169, 208, 179, 1, 1, 1 })]      // ClinicaDL 0.2.1's (1, X, Y, Z) layout (decision 9)
    public void FromMask_ThreeAndFourDimensionalMasks_GiveTheBoundingBox(short[] dim)
    {
        using var dir = new TempDir("roiset");
        string path = dir.Combine("mask.nii");
        new NiftiFileBuilder { Dim = dim, DataType = 2, Data = BoxBytes(60, 50) }.WriteTo(path);
        var roi = RoiSet.FromMask("box", path, uncropped: false, Grid);
        Assert.Equal(new RoiBox(60, 60, 60, 110, 110, 110), roi.Box);
        Assert.All(roi.Mask!, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void FromMask_Uncropped_KeepsTheWholeGrid()
    {
        using var dir = new TempDir("roiset");
        string path = dir.Combine("mask.nii");
        new NiftiFileBuilder { Dim = [3, 169, 208, 179, 1, 1, 1, 1], DataType = 2, Data = BoxBytes(60, 50) }.WriteTo(path);
        var roi = RoiSet.FromMask("box", path, uncropped: true, Grid);
        Assert.Equal(RoiBox.Whole(Grid), roi.Box);
    }

    [Fact]
    public void Resolve_DefaultCubesWithUncropped_IsAnOptionError()
    {
        var e = Assert.Throws<InvalidOptionException>(() => RoiSet.Resolve(new CapsLayout("/caps"), null, uncropped: true, Grid));
        Assert.Contains("--uncropped_roi", e.Message);
    }

    [Fact]
    public void FromMask_MaskWithNaN_IsNotBinary()
    {
        using var dir = new TempDir("roiset");
        var data = new float[169 * 208 * 179];
        data[1000] = float.NaN;
        NiftiWriter.Write(dir.Combine("m.nii.gz"), Grid, data, Affine.Identity);
        var e = Assert.Throws<CapsLayoutException>(() => RoiSet.FromMask("m", dir.Combine("m.nii.gz"), false, Grid));
        Assert.Contains("not binary", e.Message);
    }
}
