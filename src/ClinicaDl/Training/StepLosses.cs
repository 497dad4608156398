using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>The training steps' losses, read from the device in groups: one wait for the device per group, not per step.</summary>
/// <remarks>
/// Reading a loss (<c>item()</c>) makes the host wait until the device has run the step; on a GPU that wait leaves the
/// GPU idle while the host prepares the next step. So on a GPU the losses stay on the device and are read
/// <see cref="GpuWindow"/> steps at a time, and before anything that needs them: an evaluation, an interrupt, the end of
/// the epoch's batches (<see cref="Flush"/>). Each is then reported in step order: the progress line, and the check
/// that stops a diverged run, naming the first step whose loss was not finite (a few more steps have run by then; no
/// model is saved between the two, since every evaluation flushes first). On the CPU the host runs the step itself, so
/// a loss costs nothing to read, and it is read as soon as its step ends (window 1).
/// </remarks>
internal sealed class StepLosses : IDisposable
{
    /// <summary>Steps whose losses a GPU run reads together.</summary>
    public const int GpuWindow = 16;

    private readonly int window;
    private readonly Action<int, int, double> report;
    private readonly List<(Tensor Loss, int Step, int Count)> pending = [];

    /// <summary>Losses read every <paramref name="window"/> steps, each then passed to <paramref name="report"/> (step, batch size, loss).</summary>
    public StepLosses(int window, Action<int, int, double> report)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        this.window = window;
        this.report = report;
    }

    /// <summary>The window for a run on <paramref name="device"/>: 1 on the CPU, <see cref="GpuWindow"/> elsewhere.</summary>
    public static int WindowFor(Device device) => device.type == TorchSharp.DeviceType.CPU ? 1 : GpuWindow;

    /// <summary>Takes the loss of step <paramref name="step"/> (a scalar tensor outside any dispose scope, now owned here).</summary>
    public void Add(Tensor loss, int step, int count)
    {
        pending.Add((loss, step, count));
        if (pending.Count >= window) Flush();
    }

    /// <summary>Reads every pending loss at once (one copy to the host) and reports them in step order.</summary>
    public void Flush()
    {
        if (pending.Count == 0) return;
        double[] values;
        using (NewDisposeScope())
            values = pending.Count == 1
                ? [pending[0].Loss.to(ScalarType.Float64).cpu().item<double>()]
                : stack(pending.Select(p => p.Loss.to(ScalarType.Float64))).cpu().data<double>().ToArray();
        var read = pending.ToArray();
        Clear();
        for (int i = 0; i < read.Length; i++) report(read[i].Step, read[i].Count, values[i]);
    }

    private void Clear()
    {
        foreach (var p in pending) p.Loss.Dispose();
        pending.Clear();
    }

    /// <summary>Frees the losses never read (a pass that failed or was interrupted).</summary>
    public void Dispose() => Clear();
}
