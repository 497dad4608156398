using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Tests.Support;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Elements;

/// <summary>Whole-image tensors (ClinicaDL's <c>extract-tensor … image</c>) read as the NIfTI would be, in every layout torch writes.</summary>
public sealed class CapsImagesTests
{
    private const int X = 7, Y = 6, Z = 5;

    /// <summary>The values of a 7×6×5 image, x fastest (NIfTI order).</summary>
    private static float[] Expected() => Enumerable.Range(0, X * Y * Z).Select(i => MathF.Sin(i * 0.37f) * 100 + i).ToArray();

    [PythonFact("torch", "numpy")]
    public void ReadImage_TensorsAsTorchWritesThem_GiveTheImageInNiftiOrder()
    {
        using var dir = new TempDir();
        float[] expected = Expected();
        File.WriteAllBytes(dir.Combine("image.raw"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan()).ToArray());
        // As ClinicaDL writes it: nibabel's array is x fastest (Fortran order), torch.from_numpy keeps those strides.
        Python.Run($$"""
            import sys, numpy as np, torch
            d = sys.argv[1]
            a = np.fromfile(d + "/image.raw", dtype=np.float32).reshape(({{X}}, {{Y}}, {{Z}}), order="F").astype(np.float64)
            t = torch.from_numpy(a).float().unsqueeze(0)
            assert not t.is_contiguous() and t.stride()[1] == 1
            torch.save(t, d + "/fortran.pt")
            torch.save(t.contiguous(), d + "/c.pt")
            torch.save(torch.from_numpy(a).unsqueeze(0), d + "/float64.pt")
            torch.save(torch.cat([t.contiguous(), t.contiguous()])[1:2], d + "/offset.pt")   # a view: its storage holds both
            torch.save(t.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3), d + "/y-outermost.pt")  # dense, z fastest, then x
            torch.save(torch.stack([t, -t], 4)[..., 0], d + "/strided.pt")                     # not dense: every other element
            """, dir.Path);

        // Streamed straight from the file (dense float32), or declined and read through LibTorch (the rest).
        foreach (var (name, streamed) in new[] { ("fortran", true), ("c", true), ("offset", true), ("y-outermost", true), ("float64", false), ("strided", false) })
        {
            long read = 0;
            Assert.True(streamed == PyTorchFile.TryReadFloat32(dir.Combine(name + ".pt"), (_, _) => (_, values) => read += values.Length), name);
            Assert.Equal(streamed ? X * Y * Z : 0, read);
        }
        foreach (string name in new[] { "fortran", "c", "float64", "offset", "y-outermost", "strided" })
        {
            var (data, shape) = CapsImages.ReadImage(dir.Combine(name + ".pt"));
            Assert.Equal([X, Y, Z], shape);
            Assert.True(expected.AsSpan().SequenceEqual(data), $"{name}.pt read differently from the image");
        }
    }

    [Fact]
    public void ReadImage_OneWorker_ReusesItsImageBuffer_AndTheValuesAreTheNewImages()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        float[] expected = Expected();
        // Our own writer saves C order: element (x, y, z) at (x·Y + y)·Z + z.
        var c = new float[X * Y * Z];
        for (int x = 0; x < X; x++)
            for (int y = 0; y < Y; y++)
                for (int z = 0; z < Z; z++)
                    c[(x * Y + y) * Z + z] = expected[x + X * (y + Y * z)];
        PyTorchFile.SaveTensor(dir.Combine("a.pt"), tensor(c, [1, X, Y, Z]));
        PyTorchFile.SaveTensor(dir.Combine("b.pt"), tensor(c.Select(v => -v).ToArray(), [1, X, Y, Z]));

        var (first, _) = CapsImages.ReadImage(dir.Combine("a.pt"));
        Assert.Equal(expected, first);
        var (second, shape) = CapsImages.ReadImage(dir.Combine("b.pt"));
        Assert.Same(first, second);
        Assert.Equal([X, Y, Z], shape);
        Assert.Equal(expected.Select(v => -v), second);
    }

    [Fact]
    public void ReadImage_TruncatedEmptyForeignMissingOrWrongTensor_NamesTheFile()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string good = dir.Combine("good.pt"), cut = dir.Combine("cut.pt"), flat = dir.Combine("flat.pt");
        PyTorchFile.SaveTensor(good, ones(1, X, Y, Z));
        byte[] bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        PyTorchFile.SaveTensor(flat, ones(X, Y, Z));

        string empty = dir.Combine("empty.pt"), text = dir.Combine("text.pt"), dict = dir.Combine("dict.pt"), missing = dir.Combine("missing.pt");
        File.WriteAllBytes(empty, []);
        File.WriteAllText(text, "participant_id\tsession_id\n");
        PyTorchFile.Save(dict, new Dictionary<string, object?> { ["image"] = ones(1, X, Y, Z) });

        var e = Assert.Throws<CheckpointException>(() => CapsImages.ReadImage(cut));
        Assert.Contains(cut, e.Message);
        e = Assert.Throws<CheckpointException>(() => CapsImages.ReadImage(flat));
        Assert.Contains(flat, e.Message);
        Assert.Contains("(1, X, Y, Z)", e.Message);
        foreach (string bad in new[] { empty, text, dict, missing })
            Assert.Contains(bad, Assert.Throws<CheckpointException>(() => CapsImages.ReadImage(bad)).Message);
    }
}
