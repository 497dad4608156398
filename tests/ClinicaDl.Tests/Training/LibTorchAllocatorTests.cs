using ClinicaDl.Evaluation;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Training;

/// <summary>oneDNN's padded channel blocks must not pick up a NaN that an earlier, freed buffer left in memory.</summary>
public sealed class LibTorchAllocatorTests
{
    [Fact]
    public void Conv4Fc3_AfterNaNFilledBuffersWereFreed_GivesFiniteLogits()
    {
        Assert.True(LibTorchAllocator.ZeroFill());
        set_num_threads(1);
        using var scope = NewDisposeScope();
        // Leave NaN bytes behind in freed memory of the sizes oneDNN's reorders ask for (about 1 MB for 8×32×11³ floats).
        for (int k = 1; k < 300; k++) full([k * 1000], float.NaN).Dispose();
        manual_seed(5);
        using var model = new Conv4Fc3(0);
        model.train();
        var logits = model.call(rand([8, 1, 50, 50, 50]));
        Assert.False(logits.isnan().any().item<bool>(), "NaN logits: the padded blocks of a convolution held a freed NaN");
        Assert.DoesNotContain(((nn.Module)model.Features[9]).named_buffers(), b => b.buffer.isnan().any().item<bool>());
    }
}
