using System.Text.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Tests.Support;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Formats.PyTorch;

/// <summary>Interoperability with Debian's torch 1.13 (python3-torch), both ways.</summary>
public sealed partial class PyTorchFileTests
{
    /// <summary>Python prelude: the torch.load modes to check. torch 1.13's weights-only unpickler has no BINFLOAT
    /// opcode, so there it refuses any file holding a Python float, even torch's own; tensors and state dicts load.</summary>
    private const string LoadModes = """
        import io, torch
        def load_modes():
            b = io.BytesIO()
            torch.save({"x": 0.5}, b)
            b.seek(0)
            try:
                torch.load(b, weights_only=True)
                return (False, True)
            except Exception:
                return (False,)

        """;

    // ---------------------------------------------------------------- interoperability with torch 1.13 (Debian python3-torch)

    [PythonFact("torch")]
    public void SaveCheckpoint_TorchSharpStateDict_LoadsStrictlyInTorchWithEqualValues()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("model_best.pth.tar");
        manual_seed(3);
        var module = nn.Sequential(nn.Conv3d(1, 2, 3), nn.BatchNorm3d(2), nn.Flatten(), nn.Linear(16, 2));
        module.call(randn(new long[] { 2, 1, 4, 4, 4 })); // moves BatchNorm's running statistics and num_batches_tracked
        var stateDict = module.state_dict();
        PyTorchFile.SaveCheckpoint(path, new Dictionary<string, object?>
        {
            ["model"] = stateDict,
            ["epoch"] = 3,
            ["valid_loss"] = 0.5,
            ["valid_acc"] = 0.75,
        });
        string bare = dir.Combine("state_dict.pt");
        PyTorchFile.Save(bare, stateDict);

        string output = Python.Run(LoadModes + """
            import json, sys, torch
            m = torch.nn.Sequential(torch.nn.Conv3d(1, 2, 3), torch.nn.BatchNorm3d(2), torch.nn.Flatten(), torch.nn.Linear(16, 2))
            m.load_state_dict(torch.load(sys.argv[2], weights_only=True), strict=True)
            for weights_only in load_modes():
                ckpt = torch.load(sys.argv[1], weights_only=weights_only)
                assert list(ckpt) == ["model", "epoch", "valid_loss", "valid_acc"], list(ckpt)
                assert type(ckpt["epoch"]) is int and ckpt["epoch"] == 3
                assert type(ckpt["valid_loss"]) is float and ckpt["valid_loss"] == 0.5 and ckpt["valid_acc"] == 0.75
                m.load_state_dict(ckpt["model"], strict=True)
            sd = ckpt["model"]
            print(json.dumps({k: [str(v.dtype), list(v.shape), v.flatten().tolist()] for k, v in sd.items()}))
            """, path, bare);

        using var json = JsonDocument.Parse(output);
        Assert.Equal(stateDict.Keys, json.RootElement.EnumerateObject().Select(p => p.Name));
        foreach (var (key, expected) in stateDict)
        {
            var entry = json.RootElement.GetProperty(key);
            Assert.Equal(expected.dtype == ScalarType.Int64 ? "torch.int64" : "torch.float32", entry[0].GetString());
            Assert.Equal(expected.shape, entry[1].EnumerateArray().Select(e => e.GetInt64()));
            var values = entry[2].EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(expected.to_type(ScalarType.Float64).flatten().data<double>().ToArray(), values);
        }
    }

    [PythonFact("torch")]
    public void SaveCheckpoint_AdamStateDict_LoadsIntoTorchAdam()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("optimizer.pth.tar");
        Tensor Values(params long[] shape) => arange(shape.Aggregate(1L, (a, b) => a * b), ScalarType.Float32).reshape(shape) / 10;
        var state = new Dictionary<long, object?>
        {
            [0] = new Dictionary<string, object?> { ["step"] = tensor(4.0f), ["exp_avg"] = Values(3, 2), ["exp_avg_sq"] = Values(3, 2) * 2 },
            [1] = new Dictionary<string, object?> { ["step"] = tensor(4.0f), ["exp_avg"] = Values(3), ["exp_avg_sq"] = Values(3) * 2 },
        };
        var group = new Dictionary<string, object?>
        {
            ["lr"] = 1e-4,
            ["betas"] = (0.9, 0.999),
            ["eps"] = 1e-08,
            ["weight_decay"] = 1e-4,
            ["amsgrad"] = false,
            ["maximize"] = false,
            ["foreach"] = null,
            ["capturable"] = false,
            ["differentiable"] = false,
            ["fused"] = null,
            ["params"] = new List<long> { 0, 1 },
        };
        PyTorchFile.SaveCheckpoint(path, new Dictionary<string, object?>
        {
            ["optimizer"] = new Dictionary<string, object?> { ["state"] = state, ["param_groups"] = new List<object?> { group } },
            ["epoch"] = 4,
            ["name"] = "Adam",
        });

        Python.Run(LoadModes + """
            import sys, torch
            for weights_only in load_modes():
                ckpt = torch.load(sys.argv[1], weights_only=weights_only)
                assert ckpt["name"] == "Adam" and ckpt["epoch"] == 4
                m = torch.nn.Linear(2, 3)
                opt = torch.optim.Adam(m.parameters(), lr=0.5)
                opt.load_state_dict(ckpt["optimizer"])
                g = opt.param_groups[0]
                assert g["lr"] == 1e-4 and g["betas"] == (0.9, 0.999) and type(g["betas"]) is tuple, g
                assert g["eps"] == 1e-08 and g["weight_decay"] == 1e-4 and g["amsgrad"] is False and g["foreach"] is None
                st = opt.state[m.weight]
                assert st["step"].dim() == 0 and float(st["step"]) == 4.0
                assert torch.equal(st["exp_avg"], torch.arange(6.).reshape(3, 2) / 10)
                assert torch.equal(opt.state[m.bias]["exp_avg_sq"], torch.arange(3.) / 10 * 2)
                m(torch.ones(1, 2)).sum().backward()
                opt.step()
                assert float(opt.state[m.weight]["step"]) == 5.0
            """, path);
    }

    [PythonFact("torch", "numpy")]
    public void LoadCheckpoint_WrittenByTorch_ReadsModelAndScalars()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("checkpoint.pth.tar");
        string output = Python.Run("""
            import json, sys, numpy, torch
            torch.manual_seed(0)
            m = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
            m(torch.randn(4, 2))
            # valid_acc as ClinicaDL 0.2.1 computes it: a numpy.float64
            torch.save({"model": m.state_dict(), "epoch": 3, "valid_loss": 0.5, "valid_acc": numpy.int64(3) / numpy.int64(4)}, sys.argv[1])
            print(json.dumps({k: [str(v.dtype), list(v.shape), v.flatten().tolist()] for k, v in m.state_dict().items()}))
            """, path);

        var checkpoint = PyTorchFile.LoadCheckpoint(path);

        Assert.Equal(new[] { "model", "epoch", "valid_loss", "valid_acc" }, checkpoint.Keys);
        Assert.Equal(3L, checkpoint["epoch"]);
        Assert.Equal(0.5, checkpoint["valid_loss"]);
        Assert.Equal(0.75, checkpoint["valid_acc"]);
        var model = Assert.IsAssignableFrom<IReadOnlyList<KeyValuePair<string, Tensor>>>(checkpoint["model"]);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(json.RootElement.EnumerateObject().Select(p => p.Name), model.Select(kv => kv.Key));
        foreach (var (key, actual) in model)
        {
            var entry = json.RootElement.GetProperty(key);
            Assert.Equal(entry[0].GetString() == "torch.int64" ? ScalarType.Int64 : ScalarType.Float32, actual.dtype);
            Assert.Equal(entry[1].EnumerateArray().Select(e => e.GetInt64()), actual.shape);
            Assert.Equal(entry[2].EnumerateArray().Select(e => e.GetDouble()), actual.to_type(ScalarType.Float64).flatten().data<double>().ToArray());
        }
        Assert.Equal(1L, model.Single(kv => kv.Key == "1.num_batches_tracked").Value.item<long>());
    }

    [PythonFact("torch")]
    public void LoadCheckpoint_AdamStateDictWrittenByTorch_ReadsStateAndGroups()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("optimizer.pth.tar");
        Python.Run("""
            import sys, torch
            m = torch.nn.Linear(2, 3)
            opt = torch.optim.Adam(m.parameters(), lr=1e-4, weight_decay=1e-4)
            m(torch.ones(1, 2)).sum().backward()
            opt.step()
            torch.save({"optimizer": opt.state_dict(), "epoch": 3, "name": "Adam"}, sys.argv[1])
            """, path);

        var checkpoint = PyTorchFile.LoadCheckpoint(path);

        Assert.Equal("Adam", checkpoint["name"]);
        var optimizer = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(checkpoint["optimizer"]);
        var state = Assert.IsAssignableFrom<IReadOnlyDictionary<long, object?>>(optimizer["state"]);
        Assert.Equal(new[] { 0L, 1L }, state.Keys);
        var weightState = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(state[0]);
        var step = Assert.IsType<Tensor>(weightState["step"]);
        Assert.Empty(step.shape);
        Assert.Equal(1f, step.item<float>());
        Assert.Equal(new long[] { 3, 2 }, Assert.IsType<Tensor>(weightState["exp_avg"]).shape);
        var groups = Assert.IsAssignableFrom<IReadOnlyList<object?>>(optimizer["param_groups"]);
        var group = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(Assert.Single(groups));
        Assert.Equal(1e-4, group["lr"]);
        Assert.Equal(new object?[] { 0.9, 0.999 }, Assert.IsType<PyTuple>(group["betas"]).ToArray());
        Assert.Equal(false, group["amsgrad"]);
        Assert.Null(group["foreach"]);
        Assert.Equal(new object?[] { 0L, 1L }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(group["params"]).ToArray());
    }

    [PythonFact("torch")]
    public void LoadTensor_WrittenByTorch_ReadsShapeAndValues()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string zerosPath = dir.Combine("zeros.pt");
        string slicePath = dir.Combine("slice.pt");
        Python.Run("""
            import sys, torch
            torch.save(torch.zeros(1, 4, 5, 6), sys.argv[1])
            torch.save(torch.arange(24.).reshape(2, 3, 4)[:, 1], sys.argv[2])   # a view: storage offset and strides
            """, zerosPath, slicePath);

        var zeros = PyTorchFile.LoadTensor(zerosPath);
        var slice = PyTorchFile.LoadTensor(slicePath);

        Assert.Equal(ScalarType.Float32, zeros.dtype);
        Assert.Equal(new long[] { 1, 4, 5, 6 }, zeros.shape);
        Assert.Equal(0f, zeros.abs().sum().item<float>());
        AssertSameTensor(arange(24, ScalarType.Float32).reshape(2, 3, 4)[TensorIndex.Colon, 1], slice);
    }

    [PythonFact("torch")]
    public void SaveTensor_RoiTensor_LoadsInTorchAsFloat32()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("sub-01_ses-M00_roi-0.pt");
        PyTorchFile.SaveTensor(path, arange(120, ScalarType.Float32).reshape(1, 4, 5, 6));

        string output = Python.Run("""
            import sys, torch
            for weights_only in (False, True):
                t = torch.load(sys.argv[1], weights_only=weights_only)
                assert type(t) is torch.Tensor and t.dtype == torch.float32 and t.shape == (1, 4, 5, 6), (t.dtype, t.shape)
                assert torch.equal(t, torch.arange(120.).reshape(1, 4, 5, 6))
            print("ok")
            """, path);

        Assert.Equal("ok", output.Trim());
    }

    [PythonFact("torch")]
    public void LoadCheckpoint_PickleProtocol4_Reads()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.Combine("p4.pth");
        Python.Run("""
            import sys, torch
            # protocol 4 adds FRAME, SHORT_BINUNICODE, MEMOIZE and STACK_GLOBAL
            torch.save({"t": torch.arange(6).reshape(2, 3), "name": "x", "n": -5, "big": 2 ** 40}, sys.argv[1], pickle_protocol=4)
            """, path);

        var checkpoint = PyTorchFile.LoadCheckpoint(path);

        AssertSameTensor(arange(6, ScalarType.Int64).reshape(2, 3), Assert.IsType<Tensor>(checkpoint["t"]));
        Assert.Equal("x", checkpoint["name"]);
        Assert.Equal(-5L, checkpoint["n"]);
        Assert.Equal(1L << 40, checkpoint["big"]);
    }
}
