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

    /// <summary>A (3, 12, 10) slice element with three identical channels, as slice mode feeds resnet18.</summary>
    private static float[] Slice() => [.. Enumerable.Range(0, 3).SelectMany(_ => Enumerable.Range(0, 120).Select(i => (float)(i % 11) / 11))];

    [Fact]
    public void CropPad2D_ShiftsWidthByTheFirstDrawAndHeightByTheSecond_InEveryChannel()
    {
        var slice = Slice();
        Augmentation.CropPad2D(slice, [3, 12, 10], new RandomSource(4));
        var rng = new RandomSource(4);
        int cw = rng.NextInt(-10, 10), ch = rng.NextInt(-10, 10);
        var original = Slice();
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 10; x++)
                {
                    int sy = y + ch, sx = x + cw;
                    float expected = sy is >= 0 and < 12 && sx is >= 0 and < 10 ? original[(c * 12 + sy) * 10 + sx] : 0f;
                    Assert.Equal(expected, slice[(c * 12 + y) * 10 + x]);
                }
    }

    [Fact]
    public void Apply2D_ErasingCropPadSmoothing_KeepTheChannelsIdentical_NoiseDoesNot() // spec modes §2.4
    {
        var kinds = new[] { AugmentationKind.Erasing, AugmentationKind.CropPad, AugmentationKind.Smoothing };
        bool changed = false;
        for (int seed = 0; seed < 5; seed++)
        {
            var slice = Slice();
            new Augmentation(kinds).Apply(slice, 3, [12, 10], new RandomSource(seed, "aug"));
            Assert.Equal(slice.AsSpan(0, 120).ToArray(), slice.AsSpan(120, 120).ToArray());
            Assert.Equal(slice.AsSpan(0, 120).ToArray(), slice.AsSpan(240, 120).ToArray());
            changed |= !slice.SequenceEqual(Slice());
        }
        Assert.True(changed);
        var noisy = Slice();
        new Augmentation([AugmentationKind.Noise]).Apply(noisy, 3, [12, 10], new RandomSource(1, "aug"));
        Assert.NotEqual(noisy.AsSpan(0, 120).ToArray(), noisy.AsSpan(120, 120).ToArray());
    }

    [Fact]
    public void Apply_ThreeDimensionalOneChannel_IsTheVolumeTransform()
    {
        var kinds = new[] { AugmentationKind.Noise, AugmentationKind.CropPad };
        var a = Patch();
        var b = Patch();
        new Augmentation(kinds).Apply(a, 1, Shape, new RandomSource(2, "aug"));
        new Augmentation(kinds).Apply(b, Shape, new RandomSource(2, "aug"));
        Assert.Equal(b, a);
        Assert.Throws<ArgumentException>(() => new Augmentation(kinds).Apply(a, 2, Shape, new RandomSource(0)));
    }
}
