using ClinicaDl.Elements;

namespace ClinicaDl.Tests.Elements;

public sealed class RoiExtractorTests
{
    private static float[] Ramp(int[] shape)
    {
        var data = new float[shape[0] * shape[1] * shape[2]];
        for (int k = 0; k < shape[2]; k++)
            for (int j = 0; j < shape[1]; j++)
                for (int i = 0; i < shape[0]; i++)
                    data[i + shape[0] * (j + shape[1] * k)] = i * 10000 + j * 100 + k;
        return data;
    }

    [Fact]
    public void DefaultCubes_AreSpecBoxes()
    {
        Assert.Equal(new RoiBox(84, 71, 43, 134, 121, 93), RoiDefinition.DefaultCubes[0].Box);
        Assert.Equal(new RoiBox(36, 71, 43, 86, 121, 93), RoiDefinition.DefaultCubes[1].Box);
    }

    [Fact]
    public void Extract_Cube_IsInTorchOrder_ZFastest()
    {
        int[] shape = [20, 20, 20];
        var roi = new RoiDefinition("cube", RoiBox.Cube([10, 10, 10], 4), null, null);
        var patch = new float[64];
        RoiExtractor.Extract(Ramp(shape), shape, roi, normalise: false, patch);
        // element [x, y, z] = voxel (8 + x, 8 + y, 8 + z)
        Assert.Equal(8 * 10000 + 8 * 100 + 8, patch[0]);
        Assert.Equal(8 * 10000 + 8 * 100 + 9, patch[1]);
        Assert.Equal(8 * 10000 + 9 * 100 + 8, patch[4]);
        Assert.Equal(9 * 10000 + 8 * 100 + 8, patch[16]);
    }

    [Fact]
    public void Extract_Normalise_IsMinMaxOverThePatch()
    {
        int[] shape = [20, 20, 20];
        var roi = new RoiDefinition("cube", RoiBox.Cube([10, 10, 10], 4), null, null);
        var patch = new float[64];
        Assert.True(RoiExtractor.Extract(Ramp(shape), shape, roi, normalise: true, patch));
        Assert.Equal(0f, patch.Min());
        Assert.Equal(1f, patch.Max());
    }

    [Fact]
    public void Extract_ConstantPatch_GivesZerosAndReportsIt()
    {
        int[] shape = [10, 10, 10];
        var roi = new RoiDefinition("cube", RoiBox.Cube([5, 5, 5], 4), null, null);
        var patch = new float[64];
        Assert.False(RoiExtractor.Extract(Enumerable.Repeat(3f, 1000).ToArray(), shape, roi, true, patch));
        Assert.All(patch, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Extract_Mask_MultipliesImageByMask()
    {
        int[] shape = [6, 6, 6];
        var mask = new float[8];
        mask[0] = 1; // only voxel (1,1,1) of the 2×2×2 box
        var roi = new RoiDefinition("m", new RoiBox(1, 1, 1, 3, 3, 3), mask, "mask.nii.gz");
        var patch = new float[8];
        RoiExtractor.Extract(Ramp(shape), shape, roi, false, patch);
        Assert.Equal(10101f, patch[0]);
        Assert.All(patch.Skip(1), v => Assert.Equal(0f, v));
    }
}
