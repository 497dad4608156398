using static TorchSharp.torch;

namespace ClinicaDl.Tests.Support;

/// <summary>A thread that reseeds and draws from LibTorch's process-wide generator until disposed.</summary>
internal sealed class LibTorchSpinner : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Thread thread;

    private LibTorchSpinner()
    {
        thread = new Thread(() =>
        {
            long seed = 0;
            while (!stop.IsCancellationRequested)
            {
                manual_seed(seed++);
                using var r = rand(64);
            }
        });
        thread.Start();
    }

    /// <summary>Starts the thread.</summary>
    public static LibTorchSpinner Start() => new();

    public void Dispose()
    {
        stop.Cancel();
        thread.Join();
        stop.Dispose();
    }
}
