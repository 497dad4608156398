using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Outputs;
using ClinicaDl.Tests.Support;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Formats.PyTorch;

/// <summary>PyTorch's legacy (pre-1.6) format, written by Debian's torch 1.13 with <c>_use_new_zipfile_serialization=False</c>.</summary>
public sealed class LegacyTorchFileTests
{
    [PythonFact("torch")]
    public void Load_LegacyFile_EqualsTheZipFileOfTheSameObject()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string legacy = dir.Combine("legacy.pth"), zip = dir.Combine("zip.pth");
        Python.Run("""
            import sys, torch, collections
            torch.manual_seed(0)
            base = torch.randn(6, 5)
            sd = collections.OrderedDict()
            sd["w"] = torch.randn(3, 4, 2)
            sd["t"] = base.t()                 # not contiguous
            sd["row"] = base[2]                # offset into a shared storage
            sd["n"] = torch.tensor(7)          # int64 scalar
            sd["h"] = torch.arange(5, dtype=torch.float64)
            obj = {"model": sd, "epoch": 4, "name": "x", "acc": 0.5}
            torch.save(obj, sys.argv[1], _use_new_zipfile_serialization=False)
            torch.save(obj, sys.argv[2])
            """, legacy, zip);

        var a = PyTorchFile.LoadCheckpoint(legacy);
        var b = PyTorchFile.LoadCheckpoint(zip);
        Assert.Equal(b.Keys, a.Keys);
        Assert.Equal(4L, a["epoch"]);
        Assert.Equal("x", a["name"]);
        Assert.Equal(0.5, a["acc"]);
        var ma = (IReadOnlyDictionary<string, Tensor>)a["model"]!;
        var mb = (IReadOnlyDictionary<string, Tensor>)b["model"]!;
        Assert.Equal(mb.Keys, ma.Keys);
        foreach (var (key, expected) in mb)
        {
            Assert.Equal(expected.shape, ma[key].shape);
            Assert.Equal(expected.dtype, ma[key].dtype);
            Assert.True(expected.eq(ma[key]).all().item<bool>(), key);
        }
    }
}
