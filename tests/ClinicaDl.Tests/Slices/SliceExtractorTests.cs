using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Outputs;
using ClinicaDl.Slices;
using ClinicaDl.Tests.Support;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Slices;

public sealed class SliceExtractorTests
{
    /// <summary>An image whose voxel (x, y, z) holds 10000·x + 100·y + z, stored x fastest.</summary>
    private static float[] IndexImage(int nx, int ny, int nz)
    {
        var image = new float[nx * ny * nz];
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++)
                    image[x + nx * (y + ny * z)] = 10000 * x + 100 * y + z;
        return image;
    }

    [Theory]
    [InlineData(SliceDirection.Sagittal, 2, 4, 5)]
    [InlineData(SliceDirection.Coronal, 1, 3, 5)]
    [InlineData(SliceDirection.Axial, 4, 3, 4)]
    public void Cut_TakesTheSliceInTorchOrder(SliceDirection direction, int index, int height, int width)
    {
        int[] shape = [3, 4, 5];
        var slice = new float[height * width];
        SliceExtractor.Cut(IndexImage(3, 4, 5), shape, direction, index, slice);
        for (int h = 0; h < height; h++)
            for (int w = 0; w < width; w++)
            {
                var (x, y, z) = direction switch
                {
                    SliceDirection.Sagittal => (index, h, w),
                    SliceDirection.Coronal => (h, index, w),
                    _ => (h, w, index),
                };
                Assert.Equal(10000 * x + 100 * y + z, slice[h * width + w]);
            }
    }

    [Fact]
    public void Prepare_ConstantSlice_GivesZerosAndReportsIt()
    {
        var image = new float[6 * 7 * 8];
        Array.Fill(image, 3f);
        var plane = new byte[SliceExtractor.PlaneSize];
        Assert.False(SliceExtractor.Prepare(image, [6, 7, 8], SliceDirection.Axial, 2, plane));
        Assert.All(plane, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Prepare_IndexOutsideImage_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() =>
            SliceExtractor.Prepare(new float[60], [3, 4, 5], SliceDirection.Coronal, 4, new byte[SliceExtractor.PlaneSize]));

    [Fact]
    public void Resize_SameSize_IsTheIdentity_AndUniformStaysUniform()
    {
        var input = Enumerable.Range(0, 12).Select(i => (byte)(i * 20)).ToArray();
        var output = new byte[12];
        PillowBilinear.Resize(input, 3, 4, output, 3, 4);
        Assert.Equal(input, output);
        var grey = Enumerable.Repeat((byte)77, 5 * 9).ToArray();
        var big = new byte[224 * 224];
        PillowBilinear.Resize(grey, 5, 9, big, 224, 224);
        Assert.All(big, b => Assert.Equal(77, b));
    }

    /// <summary>0.2.1's slice transform in Python (spec §5.2–5.3), on the slices of an image saved as (1, X, Y, Z).</summary>
    private const string TorchvisionTransform = """
        import sys, torch
        from torchvision import transforms
        image = torch.load(sys.argv[1])
        tf = transforms.Compose([transforms.ToPILImage(), transforms.Resize((224, 224)), transforms.ToTensor()])
        out = []
        for spec in sys.argv[3].split(","):
            d, i = (int(v) for v in spec.split(":"))
            img = image.squeeze(0)
            s = img[i, :, :] if d == 0 else img[:, i, :] if d == 1 else img[:, :, i]
            t = torch.stack((s, s, s))
            t = (t - t.min()) / (t.max() - t.min())
            out.append(tf(t))
        torch.save(torch.stack(out), sys.argv[2])
        """;

    [PythonFact("torch", "torchvision", "PIL")]
    public void Prepare_EqualsTorchvisionPipeline_OnT1LinearAndOddShapes()
    {
        // t1-linear's grid (always upsampled) and an odd grid where both directions also shrink (Pillow's wider support).
        AssertSameAsTorchvision([169, 208, 179], [(0, 20), (0, 84), (1, 100), (1, 187), (2, 20), (2, 158)], smooth: true);
        AssertSameAsTorchvision([30, 300, 251], [(0, 3), (1, 150), (2, 7), (2, 250)], smooth: false);
    }

    private static void AssertSameAsTorchvision(int[] shape, (int Direction, int Index)[] slices, bool smooth)
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        int nx = shape[0], ny = shape[1], nz = shape[2];
        var rng = new Random(7);
        var image = new float[nx * ny * nz];
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++)
                    image[x + nx * (y + ny * z)] = smooth
                        ? (float)(500 * Math.Sin(x / 9.0) * Math.Cos(y / 13.0) + 3 * z + 40 * rng.NextDouble())
                        : (float)(rng.NextDouble() * 1000 - 200);
        // Save as (1, X, Y, Z) in C order (z fastest).
        var c = new float[image.Length];
        for (int x = 0; x < nx; x++)
            for (int y = 0; y < ny; y++)
                for (int z = 0; z < nz; z++)
                    c[(x * ny + y) * nz + z] = image[x + nx * (y + ny * z)];
        string imagePath = dir.Combine("image.pt"), outPath = dir.Combine("slices.pt");
        PyTorchFile.SaveTensor(imagePath, tensor(c, [1, nx, ny, nz]));
        Python.Run(TorchvisionTransform, imagePath, outPath, string.Join(",", slices.Select(s => $"{s.Direction}:{s.Index}")));

        var expected = PyTorchFile.LoadTensor(outPath);
        Assert.Equal(new long[] { slices.Length, 3, 224, 224 }, expected.shape);
        var plane = new byte[SliceExtractor.PlaneSize];
        for (int k = 0; k < slices.Length; k++)
        {
            SliceExtractor.Prepare(image, shape, (SliceDirection)slices[k].Direction, slices[k].Index, plane);
            var ours = tensor(plane.Select(SliceExtractor.ToTensorValue).ToArray(), [1, 224, 224]).expand(3, 224, 224);
            double diff = (ours - expected[k]).abs().max().item<float>();
            Assert.True(diff <= 1 / 255.0 + 1e-7, $"slice {slices[k]} of {string.Join("×", shape)}: max difference {diff}");
            Assert.Equal(0.0, diff); // bit for bit in practice (spec §5.3)
        }
    }
}
