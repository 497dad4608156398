using System.Buffers.Binary;
using System.IO.Compression;
using ClinicaDl.Errors;
using ClinicaDl.Outputs;
using ClinicaDl.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Outputs;

public sealed partial class PyTorchFileTests
{
    // ---------------------------------------------------------------- round trips in C#

    [Fact]
    public void SaveCheckpoint_EveryValueKind_RoundTrips()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("checkpoint.pth.tar");
        var model = new List<KeyValuePair<string, Tensor>>
        {
            new("features.0.weight", arange(24, ScalarType.Float32).reshape(2, 3, 4)),
            new("features.1.num_batches_tracked", tensor(7L)),
            new("classifier.1.bias", tensor(new double[] { 1.5, -2.25 })),
        };
        var checkpoint = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["epoch"] = 3,
            ["valid_loss"] = 0.5,
            ["valid_acc"] = 0.75f,
            ["name"] = "Adam",
            ["flag"] = true,
            ["nothing"] = null,
            ["big"] = 1L << 40,
            ["negative"] = -70000,
            ["betas"] = (0.9, 0.999),
            ["params"] = new List<long> { 0, 1, 300 },
            ["nested"] = new Dictionary<long, object?> { [0] = new Dictionary<string, object?> { ["step"] = tensor(5.0f) } },
        };

        PyTorchFile.SaveCheckpoint(path, checkpoint);
        var loaded = PyTorchFile.LoadCheckpoint(path);

        Assert.Equal(checkpoint.Keys, loaded.Keys);
        var stateDict = Assert.IsAssignableFrom<IReadOnlyList<KeyValuePair<string, Tensor>>>(loaded["model"]);
        Assert.Equal(model.Select(kv => kv.Key), stateDict.Select(kv => kv.Key));
        for (int i = 0; i < model.Count; i++)
            AssertSameTensor(model[i].Value, stateDict[i].Value);
        Assert.Equal(3L, loaded["epoch"]);
        Assert.Equal(0.5, loaded["valid_loss"]);
        Assert.Equal((double)0.75f, loaded["valid_acc"]);
        Assert.Equal("Adam", loaded["name"]);
        Assert.Equal(true, loaded["flag"]);
        Assert.Null(loaded["nothing"]);
        Assert.Equal(1L << 40, loaded["big"]);
        Assert.Equal(-70000L, loaded["negative"]);
        var betas = Assert.IsType<PyTuple>(loaded["betas"]);
        Assert.Equal(new object?[] { 0.9, 0.999 }, betas.ToArray());
        Assert.Equal(new object?[] { 0L, 1L, 300L }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(loaded["params"]).ToArray());
        var nested = Assert.IsAssignableFrom<IReadOnlyDictionary<long, object?>>(loaded["nested"]);
        var inner = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(nested[0]);
        var step = Assert.IsType<Tensor>(inner["step"]);
        Assert.Empty(step.shape);
        Assert.Equal(5.0f, step.item<float>());
    }

    [Fact]
    public void SaveTensor_Image_RoundTripsShapeTypeAndValues()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("image.pt");
        var image = rand(1, 4, 5, 6);

        PyTorchFile.SaveTensor(path, image);
        var loaded = PyTorchFile.LoadTensor(path);

        AssertSameTensor(image, loaded);
    }

    [Fact]
    public void SaveTensor_NonContiguousAndOffsetViews_LoadContiguousWithTheirValues()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var full = arange(60, ScalarType.Float32).reshape(3, 4, 5);
        var views = new[] { full.transpose(0, 2), full[1], full[TensorIndex.Colon, 2], full.narrow(2, 1, 3) };
        for (int i = 0; i < views.Length; i++)
        {
            string path = dir.Combine($"view{i}.pt");
            PyTorchFile.SaveTensor(path, views[i]);
            var loaded = PyTorchFile.LoadTensor(path);
            Assert.True(loaded.is_contiguous());
            AssertSameTensor(views[i], loaded);
        }
    }

    [Fact]
    public void SaveTensor_ZeroDimensionalAndEmptyTensors_RoundTrip()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        foreach (var (name, t) in new[] { ("scalar", tensor(42L)), ("empty", zeros(0, 3)), ("double", tensor(Math.PI)) })
        {
            string path = dir.Combine(name + ".pt");
            PyTorchFile.SaveTensor(path, t);
            AssertSameTensor(t, PyTorchFile.LoadTensor(path));
        }
    }

    [Fact]
    public void SaveTensor_File_HasTorchZipLayoutWithAlignedStoredEntries()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("roi.pt");
        PyTorchFile.Save(path, new Dictionary<string, object?> { ["a"] = ones(3), ["b"] = ones(2, 2, ScalarType.Float64) });

        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(
                new[] { "archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version" },
                zip.Entries.Select(e => e.FullName));
            Assert.Equal("3\n", new StreamReader(zip.GetEntry("archive/version")!.Open()).ReadToEnd());
            Assert.Equal("little", new StreamReader(zip.GetEntry("archive/byteorder")!.Open()).ReadToEnd());
            Assert.Equal(12, zip.GetEntry("archive/data/0")!.Length);
            Assert.Equal(32, zip.GetEntry("archive/data/1")!.Length);
        }

        // Walk the local headers: every entry is stored (method 0) and its data start on a 64-byte boundary.
        byte[] bytes = File.ReadAllBytes(path);
        int at = 0, count = 0;
        while (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) == 0x04034b50)
        {
            Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 8)));
            int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 18));
            int dataAt = at + 30 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 26)) + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28));
            Assert.Equal(0, dataAt % 64);
            at = dataAt + size;
            count++;
        }
        Assert.Equal(5, count);
    }

    [Fact]
    public void Save_UnsupportedValue_ThrowsArgumentExceptionNamingItsPath()
    {
        using var dir = new TempDir();
        var checkpoint = new Dictionary<string, object?> { ["optimizer"] = new Dictionary<string, object?> { ["when"] = DateTime.UnixEpoch } };

        var e = Assert.Throws<ArgumentException>(() => PyTorchFile.SaveCheckpoint(dir.Combine("x.pth"), checkpoint));

        Assert.Contains("[\"optimizer\"][\"when\"]", e.Message);
        Assert.Contains("DateTime", e.Message);
        Assert.False(File.Exists(dir.Combine("x.pth")));
    }

    [Fact]
    public void Load_ResultTensors_SurviveTheLoadAndBelongToTheCallersScope()
    {
        using var dir = new TempDir();
        string path = dir.Combine("t.pt");
        using (var _ = NewDisposeScope())
            PyTorchFile.SaveTensor(path, ones(2, 3));

        Tensor loaded;
        using (var scope = NewDisposeScope())
        {
            loaded = PyTorchFile.LoadTensor(path);
            Assert.Equal(6f, loaded.sum().item<float>());
        }
        Assert.True(loaded.IsInvalid); // disposed with the caller's scope, as any tensor made inside it
    }

    [Fact]
    public void Save_BareStateDict_LoadsAsOrderedPairsOrAsACheckpointDict()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("state_dict.pt");
        var stateDict = new Dictionary<string, Tensor> { ["b.weight"] = ones(2), ["a.bias"] = zeros(3) };

        PyTorchFile.Save(path, stateDict);

        var pairs = Assert.IsAssignableFrom<IReadOnlyList<KeyValuePair<string, Tensor>>>(PyTorchFile.Load(path));
        Assert.Equal(new[] { "b.weight", "a.bias" }, pairs.Select(kv => kv.Key));
        var asCheckpoint = PyTorchFile.LoadCheckpoint(path);
        Assert.Equal(new[] { "b.weight", "a.bias" }, asCheckpoint.Keys);
        AssertSameTensor(ones(2), Assert.IsType<Tensor>(asCheckpoint["b.weight"]));
    }

    [Fact]
    public void LoadTensor_OutsideAnyDisposeScope_ReturnsATensorTheCallerOwns()
    {
        using var dir = new TempDir();
        string path = dir.Combine("t.pt");
        using (var t = arange(4, ScalarType.Float32))
            PyTorchFile.SaveTensor(path, t);

        using var loaded = PyTorchFile.LoadTensor(path);

        Assert.False(loaded.IsInvalid);
        Assert.Equal(6f, loaded.sum().item<float>());
    }

    // ---------------------------------------------------------------- errors

    [Fact]
    public void LoadCheckpoint_RandomBytes_ThrowsCheckpointExceptionNamingTheFile()
    {
        using var dir = new TempDir();
        string path = dir.Combine("random.pth.tar");
        var bytes = new byte[300];
        new Random(1).NextBytes(bytes);
        bytes[0] = (byte)'x';
        File.WriteAllBytes(path, bytes);

        AssertCheckpointError(path, "not a PyTorch file", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_EmptyFile_ThrowsCheckpointExceptionNamingTheFile()
    {
        using var dir = new TempDir();
        string path = dir.Combine("empty.pth.tar");
        File.WriteAllBytes(path, []);

        AssertCheckpointError(path, "empty", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_MissingFile_ThrowsCheckpointExceptionNamingTheFile()
    {
        using var dir = new TempDir();
        string path = dir.Combine("absent.pth.tar");

        AssertCheckpointError(path, "does not exist", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_ZipWithoutDataPkl_ThrowsCheckpointExceptionNamingTheFile()
    {
        using var dir = new TempDir();
        string path = dir.Combine("plain.zip");
        WriteZip(path, ("archive/version", "3\n"u8.ToArray()), ("archive/data/0", new byte[4]));

        AssertCheckpointError(path, "data.pkl", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_TruncatedLegacyFormat_ThrowsCheckpointException()
    {
        using var dir = new TempDir();
        string path = dir.Combine("legacy.pth");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);

        AssertCheckpointError(path, "without STOP", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_PickleWithoutTorchMagic_ThrowsCheckpointException()
    {
        using var dir = new TempDir();
        string path = dir.Combine("plain.pkl");
        File.WriteAllBytes(path, [0x80, 0x02, 0x7d, 0x2e]); // pickle.dumps({}, 2)

        AssertCheckpointError(path, "magic number", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_UnsupportedClass_ThrowsCheckpointExceptionNamingTheClass()
    {
        using var dir = new TempDir();
        string path = dir.Combine("model.pth");
        // A pickled call of os.system: what a malicious or whole-model file would hold.
        byte[] pickle = [0x80, 0x02, .. "cos\nsystem\n"u8, (byte)'X', 2, 0, 0, 0, .. "ls"u8, 0x85, (byte)'R', (byte)'.'];
        WriteZip(path, ("archive/data.pkl", pickle), ("archive/version", "3\n"u8.ToArray()));

        AssertCheckpointError(path, "unsupported class os.system", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_UnsupportedOpcode_ThrowsCheckpointExceptionNamingTheOpcode()
    {
        using var dir = new TempDir();
        string path = dir.Combine("odd.pth");
        WriteZip(path, ("archive/data.pkl", [0x80, 0x02, 0x8f, (byte)'.']), ("archive/version", "3\n"u8.ToArray()));

        AssertCheckpointError(path, "unsupported pickle opcode 0x8f", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_TruncatedPickle_ThrowsCheckpointException()
    {
        using var dir = new TempDir();
        string path = dir.Combine("cut.pth");
        WriteZip(path, ("archive/data.pkl", [0x80, 0x02, (byte)'}', (byte)'X', 9, 0, 0, 0, (byte)'a']), ("archive/version", "3\n"u8.ToArray()));

        AssertCheckpointError(path, "past the end", () => PyTorchFile.LoadCheckpoint(path));
    }

    [Fact]
    public void LoadCheckpoint_MissingStorage_ThrowsCheckpointExceptionNamingTheEntry()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string good = dir.Combine("good.pt");
        PyTorchFile.SaveTensor(good, ones(3));
        string path = dir.Combine("nostorage.pt");
        using (var zip = ZipFile.OpenRead(good))
            WriteZip(path, ("archive/data.pkl", ReadAll(zip.GetEntry("archive/data.pkl")!)), ("archive/version", "3\n"u8.ToArray()));

        AssertCheckpointError(path, "archive/data/0 is missing", () => PyTorchFile.LoadTensor(path));
    }

    [Fact]
    public void LoadTensor_FileHoldingADict_ThrowsCheckpointException()
    {
        using var dir = new TempDir();
        string path = dir.Combine("dict.pt");
        PyTorchFile.SaveCheckpoint(path, new Dictionary<string, object?> { ["epoch"] = 1 });

        AssertCheckpointError(path, "holds a dict, not a tensor", () => PyTorchFile.LoadTensor(path));
    }

    [Fact]
    public void LoadCheckpoint_FileHoldingATensor_ThrowsCheckpointException()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("t.pt");
        PyTorchFile.SaveTensor(path, ones(1));

        AssertCheckpointError(path, "holds a torch.Tensor, not a dict", () => PyTorchFile.LoadCheckpoint(path));
    }

    // ---------------------------------------------------------------- helpers


    internal static void AssertSameTensor(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.False(actual.requires_grad);
        Assert.True(expected.detach().allclose(actual, 0, 0, false), "tensor values differ");
    }

    private static CheckpointException AssertCheckpointError(string path, string problem, Func<object> load)
    {
        var e = Assert.Throws<CheckpointException>(load);
        Assert.Equal(path, e.Path);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(problem, e.Message);
        return e;
    }

    private static void WriteZip(string path, params (string Name, byte[] Data)[] entries)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, data) in entries)
        {
            using var s = zip.CreateEntry(name).Open();
            s.Write(data);
        }
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
