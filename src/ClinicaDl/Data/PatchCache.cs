using System.IO.MemoryMappedFiles;
using ClinicaDl.Caps;
using ClinicaDl.Elements;

namespace ClinicaDl.Data;

/// <summary>Every element (ROI, patch, slice or whole image) of every session of a run, each image read and decoded once (MONAI's CacheDataset idea).</summary>
/// <remarks>
/// <para>Decoding runs on <see cref="PatchCacheOptions.Workers"/> background threads in the order given to
/// <see cref="Start"/> (the first epoch's order), so training starts as soon as its first batch is ready rather than
/// after the whole cohort. A reader that needs a session nobody has started decodes it itself. Results do not depend
/// on the number of workers: decoding is a pure function of the file.</para>
/// <para>Patches are float32 in memory up to <see cref="PatchCacheOptions.MemoryBudgetBytes"/>; beyond that they go
/// to a memory-mapped scratch file (sparse, unlinked once mapped so that nothing is left behind even on a crash).</para>
/// <para>Thread-safe: any number of readers and the workers may run at once.</para>
/// </remarks>
public sealed unsafe class PatchCache : IDisposable
{
    private const int Pending = 0, Loading = 1, Ready = 2, Failed = 3;

    private readonly IReadOnlyList<Session> sessions;
    private readonly IElementSet elements;
    private readonly PatchCacheOptions options;
    private readonly int[] offsets;          // start of each element within a session's block
    private readonly int sessionLength;      // floats per session
    private readonly int[] state;
    private readonly float[]?[] memory;
    private readonly ExceptionHolder?[] errors;
    private readonly ManualResetEventSlim[] readyEvents;
    private readonly object spillLock = new();
    private MemoryMappedFile? spillFile;
    private MemoryMappedViewAccessor? spillView;
    private byte* spillBase;
    private long memoryBytes;
    private long spilledBytes;
    private int cached;
    private int constantPatches;
    private int[] queue = [];
    private int queueNext;
    private readonly List<Thread> workers = [];
    private volatile bool disposed;

    private sealed record ExceptionHolder(Exception Error);

    /// <summary>Creates an empty cache for <paramref name="sessions"/> × <paramref name="elements"/>; nothing is read until <see cref="Start"/> or <see cref="Read"/>.</summary>
    public PatchCache(IReadOnlyList<Session> sessions, IElementSet elements, PatchCacheOptions options)
    {
        this.sessions = sessions;
        this.elements = elements;
        this.options = options;
        offsets = new int[elements.Count + 1];
        for (int r = 0; r < elements.Count; r++) offsets[r + 1] = offsets[r] + elements.StoredLength(r);
        sessionLength = offsets[^1];
        state = new int[sessions.Count];
        memory = new float[]?[sessions.Count];
        errors = new ExceptionHolder?[sessions.Count];
        readyEvents = sessions.Select(_ => new ManualResetEventSlim(false)).ToArray();
    }

    /// <summary>The sessions, indexed as in <see cref="ElementSample.CacheIndex"/>.</summary>
    public IReadOnlyList<Session> Sessions => sessions;

    /// <summary>What is cut from each image.</summary>
    public IElementSet Elements => elements;

    /// <summary>Number of sessions decoded so far.</summary>
    public int CachedCount => Volatile.Read(ref cached);

    /// <summary>Bytes of patches held in memory.</summary>
    public long MemoryBytes => Interlocked.Read(ref memoryBytes);

    /// <summary>Bytes of patches spilled to the scratch file.</summary>
    public long SpilledBytes => Interlocked.Read(ref spilledBytes);

    /// <summary>How many elements were constant and normalised to zeros (decision 11).</summary>
    public int ConstantPatches => Volatile.Read(ref constantPatches);

    /// <summary>Raised (on a worker thread) each time a session has been decoded.</summary>
    public event Action<int>? SessionCached;

    /// <summary>Floats of element <paramref name="element"/>.</summary>
    public int PatchLength(int element) => elements.Length(element);

    /// <summary>Floats the cache keeps for element <paramref name="element"/> (packed for slices).</summary>
    private int StoredLength(int element) => offsets[element + 1] - offsets[element];

    /// <summary>Starts the background decoding: sessions of <paramref name="priority"/> first, in that order, then the rest.</summary>
    public void Start(IEnumerable<int> priority)
    {
        if (workers.Count > 0) throw new InvalidOperationException("the cache has already been started.");
        var seen = new bool[sessions.Count];
        var order = new List<int>(sessions.Count);
        foreach (int s in priority)
            if (!seen[s]) { seen[s] = true; order.Add(s); }
        for (int s = 0; s < sessions.Count; s++)
            if (!seen[s]) order.Add(s);
        queue = order.ToArray();
        int count = Math.Max(1, Math.Min(options.Workers, sessions.Count));
        for (int w = 0; w < count; w++)
        {
            var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"clinicadl-decode-{w}" };
            workers.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Copies element <paramref name="roi"/> of session <paramref name="session"/> into <paramref name="destination"/>, decoding it first if needed.</summary>
    /// <exception cref="Errors.ClinicaDlException">The session's image could not be read (the original error, rethrown).</exception>
    public void Read(int session, int roi, Span<float> destination, CancellationToken cancel = default)
    {
        EnsureReady(session, cancel);
        int length = PatchLength(roi);
        if (destination.Length != length)
            throw new ArgumentException($"destination has {destination.Length} elements; the patch has {length}.", nameof(destination));
        int stored = StoredLength(roi);
        var block = memory[session];
        ReadOnlySpan<float> source = block is not null
            ? block.AsSpan(offsets[roi], stored)
            : new ReadOnlySpan<float>(spillBase + ((long)session * sessionLength + offsets[roi]) * sizeof(float), stored);
        elements.Expand(roi, source, destination);
    }

    private void EnsureReady(int session, CancellationToken cancel)
    {
        if (Volatile.Read(ref state[session]) != Ready)
        {
            // Nobody has started it: decode here rather than wait behind the queue.
            if (Interlocked.CompareExchange(ref state[session], Loading, Pending) == Pending)
                Decode(session);
            readyEvents[session].Wait(cancel);
        }
        if (errors[session] is { } holder)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(holder.Error).Throw();
    }

    private void WorkerLoop()
    {
        while (!disposed)
        {
            int next = Interlocked.Increment(ref queueNext) - 1;
            if (next >= queue.Length) return;
            int session = queue[next];
            if (Interlocked.CompareExchange(ref state[session], Loading, Pending) == Pending)
                Decode(session);
        }
    }

    private void Decode(int session)
    {
        try
        {
            long bytes = (long)sessionLength * sizeof(float);
            bool inMemory = Interlocked.Add(ref memoryBytes, bytes) <= options.MemoryBudgetBytes;
            float[] block;
            if (inMemory)
            {
                block = GC.AllocateUninitializedArray<float>(sessionLength);
            }
            else
            {
                Interlocked.Add(ref memoryBytes, -bytes);
                block = new float[sessionLength]; // decoded here, then copied to the scratch file
            }
            var destinations = new Memory<float>[elements.Count];
            for (int r = 0; r < elements.Count; r++) destinations[r] = block.AsMemory(offsets[r], StoredLength(r));
            int constant = elements.Load(sessions[session], destinations);
            if (constant > 0) Interlocked.Add(ref constantPatches, constant);
            if (inMemory)
            {
                memory[session] = block;
            }
            else
            {
                EnsureSpillFile();
                long byteOffset = (long)session * bytes;
                block.AsSpan().CopyTo(new Span<float>(spillBase + byteOffset, sessionLength));
                Interlocked.Add(ref spilledBytes, bytes);
            }
            Volatile.Write(ref state[session], Ready);
            Interlocked.Increment(ref cached);
            readyEvents[session].Set();
            SessionCached?.Invoke(session);
        }
        catch (Exception e)
        {
            errors[session] = new ExceptionHolder(e);
            Volatile.Write(ref state[session], Failed);
            readyEvents[session].Set();
        }
    }

    private void EnsureSpillFile()
    {
        if (spillFile is not null) return;
        lock (spillLock)
        {
            if (spillFile is not null) return;
            Directory.CreateDirectory(options.ScratchFolder);
            string path = Path.Combine(options.ScratchFolder, $"patches-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
            long capacity = Math.Max(1, (long)sessions.Count * sessionLength * sizeof(float));
            using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                fs.SetLength(capacity); // sparse: only spilled sessions take disk space
                spillFile = MemoryMappedFile.CreateFromFile(fs, null, capacity, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            }
            File.Delete(path); // the mapping stays valid; nothing is left on disk after the process ends
            spillView = spillFile.CreateViewAccessor(0, capacity, MemoryMappedFileAccess.ReadWrite);
            byte* pointer = null;
            spillView.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            spillBase = pointer + spillView.PointerOffset;
        }
    }

    /// <summary>Stops the workers and releases memory and the scratch mapping.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var w in workers) w.Join();
        if (spillView is not null)
        {
            spillView.SafeMemoryMappedViewHandle.ReleasePointer();
            spillView.Dispose();
        }
        spillFile?.Dispose();
        foreach (var e in readyEvents) e.Dispose();
        Array.Clear(memory);
    }
}
