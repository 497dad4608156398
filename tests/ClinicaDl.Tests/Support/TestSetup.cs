using System.Runtime.CompilerServices;

namespace ClinicaDl.Tests.Support;

internal static class TestSetup
{
    /// <summary>One LibTorch thread per test process: two threads spin against each other on a busy 2-core machine.</summary>
    [ModuleInitializer]
    internal static void OneTorchThread()
    {
        TorchSharp.torch.set_num_threads(1);
        TorchSharp.torch.set_num_interop_threads(1);
    }
}
