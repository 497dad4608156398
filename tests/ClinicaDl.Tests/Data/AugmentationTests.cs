using ClinicaDl.Common;
using ClinicaDl.Data;

namespace ClinicaDl.Tests.Data;

public sealed class AugmentationTests
{
    private static readonly int[] Shape = [6, 7, 8];

    private static float[] Patch() => Enumerable.Range(0, 6 * 7 * 8).Select(i => (float)(i % 13) / 13).ToArray();

    [Fact]
    public void None_ChangesNothing()
    {
        var patch = Patch();
        var aug = new Augmentation([AugmentationKind.None]);
        Assert.True(aug.IsIdentity);
        aug.Apply(patch, Shape, new RandomSource(0));
        Assert.Equal(Patch(), patch);
    }

    [Fact]
    public void SameGenerator_SameResult()
    {
        var kinds = new[] { AugmentationKind.Noise, AugmentationKind.Erasing, AugmentationKind.CropPad, AugmentationKind.Smoothing };
        var a = Patch();
        var b = Patch();
        new Augmentation(kinds).Apply(a, Shape, new RandomSource(5, "aug"));
        new Augmentation(kinds).Apply(b, Shape, new RandomSource(5, "aug"));
        Assert.Equal(a, b);
        Assert.NotEqual(Patch(), a);
    }

    [Fact]
    public void CropPad_ShiftsWithZeroFill_KeepingShape()
    {
        var patch = Enumerable.Repeat(1f, 6 * 7 * 8).ToArray();
        Augmentation.CropPad(patch, Shape, new RandomSource(3));
        Assert.Equal(6 * 7 * 8, patch.Length);
        Assert.Contains(0f, patch);
    }

    [Fact]
    public void Smooth_ConstantStaysConstant_WithReflectBorders()
    {
        var patch = Enumerable.Repeat(0.5f, 6 * 7 * 8).ToArray();
        Augmentation.Smooth(patch, Shape, 0.9);
        Assert.All(patch, v => Assert.Equal(0.5f, v, 5));
    }

    [Fact]
    public void Smooth_SmallSigma_IsIdentity()
    {
        var patch = Patch();
        Augmentation.Smooth(patch, Shape, 0.1); // radius int(0.4 + 0.5) = 0
        Assert.Equal(Patch(), patch);
    }

    [Fact]
    public void Erase_ClearsAYZRectangleAcrossAllXPlanes()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var patch = Enumerable.Repeat(1f, 6 * 7 * 8).ToArray();
            Augmentation.Erase(patch, Shape, new RandomSource(seed));
            int zeros = patch.Count(v => v == 0);
            if (zeros == 0) continue;
            Assert.Equal(0, zeros % 6); // same rectangle in each of the 6 x planes
            for (int y = 0; y < 7; y++)
                for (int z = 0; z < 8; z++)
                {
                    var column = Enumerable.Range(0, 6).Select(x => patch[(x * 7 + y) * 8 + z]).Distinct().ToList();
                    Assert.Single(column);
                }
            return;
        }
        Assert.Fail("no erasing happened in 20 draws of p = 0.5");
    }
}
