using System.IO.Compression;
using ClinicaDl.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Formats.PyTorch;

/// <summary>Reads and writes PyTorch's file format: what <c>torch.save</c> writes and <c>torch.load</c> reads.</summary>
/// <remarks>
/// <para>
/// The format is the zip one <c>torch.save</c> writes by default since PyTorch 1.6: <c>archive/data.pkl</c> (the
/// object, pickled with protocol 2), <c>archive/data/&lt;key&gt;</c> (each tensor's raw little-endian elements,
/// stored uncompressed and 64-byte aligned), <c>archive/byteorder</c> (<c>little</c>) and <c>archive/version</c>
/// (<c>3</c>). The legacy format of PyTorch before 1.6 is read too (<see cref="LegacyTorchFile"/>). Files we write load with <c>torch.load</c> in torch 1.13 and 2.x. They use only globals and opcodes
/// that <c>weights_only=True</c> (the default since torch 2.6) accepts, so they load that way too, except that
/// torch 1.13's weights-only unpickler lacks the float opcode and refuses any file holding a Python float
/// (torch's own checkpoints included); tensor files and bare state dicts load there with <c>weights_only=True</c>.
/// </para>
/// <para>
/// .NET values map to Python values as follows (writing; reading gives the type after the arrow):
/// null ↔ None; <see cref="bool"/> ↔ bool; any integer → int → <see cref="long"/>;
/// <see cref="double"/>/<see cref="float"/> → float → <see cref="double"/>; <see cref="string"/> ↔ str;
/// <see cref="Tensor"/> ↔ tensor (saved detached, contiguous, on the CPU; read on the CPU);
/// <see cref="IEnumerable{T}"/> of <c>KeyValuePair&lt;string, Tensor&gt;</c> (a state dict, e.g.
/// <c>module.state_dict()</c>) → <c>collections.OrderedDict</c> in the given order →
/// <see cref="OrderedDictionary{TKey, TValue}"/> of string to <see cref="Tensor"/> (also an
/// <see cref="IReadOnlyList{T}"/> of pairs, in file order); any other dictionary → dict →
/// <see cref="OrderedDictionary{TKey, TValue}"/> keyed by <see cref="string"/> (or <see cref="long"/> when every
/// key is an int, as in an optimizer's <c>state</c>) with object values; any
/// <see cref="System.Runtime.CompilerServices.ITuple"/> (a <see cref="PyTuple"/>, <c>(0.9, 0.999)</c>) → tuple →
/// <see cref="PyTuple"/>; any other <see cref="System.Collections.IEnumerable"/> → list →
/// <see cref="List{T}"/> of object. Reading also accepts numpy scalars (ClinicaDL 0.2.1 saves its
/// <c>valid_acc</c> as a <c>numpy.float64</c>) as <see cref="double"/>, <see cref="long"/> or <see cref="bool"/>.
/// </para>
/// <para>
/// Reading never runs code from the file: only the classes above are allowed (like
/// <c>weights_only=True</c>), so a pickled <c>nn.Module</c> or optimizer object is refused. Loaded tensors
/// belong to the caller's current dispose scope, like any tensor TorchSharp creates.
/// Every file is written through <see cref="AtomicFile"/>.
/// </para>
/// </remarks>
public static class PyTorchFile
{
    private const string ArchiveName = "archive";
    private const string DataPkl = "data.pkl";

    /// <summary>Saves a checkpoint dict, as <c>torch.save({"model": model.state_dict(), "epoch": 3, …}, path)</c> does.</summary>
    /// <param name="path">The file to write (replaced atomically).</param>
    /// <param name="checkpoint">The top-level dict: its keys in order, values as in the type table of <see cref="PyTorchFile"/>.</param>
    /// <exception cref="ArgumentException">A value cannot be saved; the message gives its path, e.g. <c>value["optimizer"]["state"][0]</c>.</exception>
    /// <exception cref="IOException">The file could not be written; the message names it.</exception>
    public static void SaveCheckpoint(string path, IReadOnlyDictionary<string, object?> checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Save(path, checkpoint);
    }

    /// <summary>Loads a dict with string keys saved by <c>torch.save</c> (a checkpoint, an optimizer file, or a bare state dict).</summary>
    /// <returns>The dict, in file order, with values as in the type table of <see cref="PyTorchFile"/>.</returns>
    /// <exception cref="CheckpointException">The file is missing, is not a PyTorch zip file, is malformed, uses a class that is not data, or does not hold a dict with string keys.</exception>
    public static IReadOnlyDictionary<string, object?> LoadCheckpoint(string path)
        => Read(path, (value, tensors) => PythonValues.ToStringKeyed(value, tensors)
            ?? throw new InvalidDataException($"holds a {PythonValues.TypeName(value)}, not a dict with string keys."));

    /// <summary>Saves a bare tensor, as <c>torch.save(tensor, path)</c> does (ClinicaDL's <c>.pt</c> image and ROI tensors).</summary>
    /// <exception cref="ArgumentException">The tensor's element type cannot be saved.</exception>
    /// <exception cref="IOException">The file could not be written; the message names it.</exception>
    public static void SaveTensor(string path, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Save(path, tensor);
    }

    /// <summary>Loads a file holding a bare tensor, such as one written by <c>torch.save(torch.zeros(1, 4, 5, 6), path)</c>.</summary>
    /// <exception cref="CheckpointException">The file is missing, malformed, or does not hold a tensor.</exception>
    public static Tensor LoadTensor(string path)
        => Read(path, (value, tensors) =>
        {
            if (value is not Tensor tensor)
                throw new InvalidDataException($"holds a {PythonValues.TypeName(value)}, not a tensor.");
            tensors.Add(tensor);
            return tensor;
        });

    /// <summary>The shape and element type of the bare tensor a file holds, checked without reading its elements.</summary>
    /// <remarks>The zip structure, the pickle and the size of the storage entry are all checked, so a truncated or foreign
    /// file is refused here, before a run starts; only the element values are left unread.</remarks>
    /// <exception cref="CheckpointException">The file is missing, malformed, or does not hold a tensor.</exception>
    public static (long[] Shape, ScalarType Type) InspectTensor(string path)
        => Read(path, (value, _) => value is Tensor tensor
            ? (tensor.shape, tensor.dtype)
            : throw new InvalidDataException($"holds a {PythonValues.TypeName(value)}, not a tensor."), readData: false);

    /// <summary>Receives a run of a tensor's elements in the order the file stores them: the position of the first in that
    /// order (0 for the tensor's first stored element), and the values.</summary>
    internal delegate void Float32Run(long first, ReadOnlySpan<float> values);

    /// <summary>Reads a bare float32 tensor whose elements the file stores densely (C order, Fortran order as
    /// <c>torch.from_numpy</c> of a nibabel array gives — ClinicaDL's whole-image tensors — or any other order of the axes)
    /// straight from the file, in runs of at most 64 KiB in stored order: no copy of the whole tensor is made, in
    /// LibTorch's memory or in a managed array.</summary>
    /// <param name="path">The file.</param>
    /// <param name="begin">Given the tensor's shape and its strides in the file, returns what receives the runs (each a
    /// whole number of rows of the stride-1 axis), or null to decline that layout.</param>
    /// <returns>False, with nothing read, when the file is in the legacy format, holds a tensor of another type or a
    /// layout that is not dense, or <paramref name="begin"/> declined: read it with <see cref="LoadTensor"/>.</returns>
    /// <exception cref="CheckpointException">The file is missing, malformed, truncated or does not hold a tensor.</exception>
    internal static bool TryReadFloat32(string path, Func<long[], long[], Float32Run?> begin)
    {
        ArgumentNullException.ThrowIfNull(begin);
        return WithErrors(path, () =>
        {
            using var stream = File.OpenRead(path);
            if (CheckSignature(stream))
                return false; // the legacy format: its storages are inside the pickle stream
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read);
            var entries = new List<string>();
            ScalarType type;
            (long[] Size, long[] Stride, long Offset)? stored;
            using (torch.NewDisposeScope())
            {
                object? raw = Unpickle(archive, readData: false, out var resolver, entries);
                type = raw is Tensor tensor ? tensor.dtype : throw new InvalidDataException($"holds a {PythonValues.TypeName(raw)}, not a tensor.");
                stored = resolver.LastStored;
            }
            if (entries.Count != 1 || stored is not var (shape, strides, offset) || type != ScalarType.Float32 || DenseRow(shape, strides) is not long row)
                return false;
            if (begin(shape, strides) is not Float32Run consume)
                return false;
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (count == 0)
                return true;
            using var data = archive.GetEntry(entries[0])!.Open();
            var buffer = new byte[checked(Math.Min(Math.Max(1, (1 << 16) / (row * sizeof(float))) * row, count) * sizeof(float))];
            try
            {
                for (long skip = offset * sizeof(float); skip > 0;) // the storage's elements before the tensor's first
                {
                    int n = (int)Math.Min(skip, buffer.Length);
                    data.ReadExactly(buffer, 0, n);
                    skip -= n;
                }
                for (long first = 0; first < count;)
                {
                    int bytes = (int)(Math.Min(buffer.Length / sizeof(float), count - first) * sizeof(float));
                    data.ReadExactly(buffer, 0, bytes);
                    consume(first, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, bytes)));
                    first += bytes / sizeof(float);
                }
            }
            catch (EndOfStreamException e)
            {
                throw new InvalidDataException($"{entries[0]} ends before the tensor's {count} elements.", e);
            }
            return true;
        });
    }

    /// <summary>The length of the stride-1 axis when the strides lay the tensor out densely in some order of its axes
    /// (each axis's stride the product of the sizes of the axes stored inside it), else null.</summary>
    private static long? DenseRow(long[] shape, long[] strides)
    {
        var axes = Enumerable.Range(0, shape.Length).Where(i => shape[i] > 1).OrderBy(i => strides[i]).ToArray();
        long expected = 1;
        foreach (int i in axes)
        {
            if (strides[i] != expected)
                return null;
            expected *= shape[i];
        }
        return axes.Length == 0 ? 1 : shape[axes[0]];
    }

    /// <summary>Saves any supported value (see the type table of <see cref="PyTorchFile"/>).</summary>
    /// <exception cref="ArgumentException">A value cannot be saved; the message gives its path.</exception>
    /// <exception cref="IOException">The file could not be written; the message names it.</exception>
    public static void Save(string path, object? value)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var scope = torch.NewDisposeScope(); // contiguous/CPU copies made for saving
        byte[] pickle = PickleWriter.Write(value, out var storages);
        AtomicFile.Write(path, stream =>
        {
            var zip = new StoredZipWriter(stream);
            zip.Add($"{ArchiveName}/{DataPkl}", pickle);
            zip.Add($"{ArchiveName}/byteorder", "little"u8);
            for (int i = 0; i < storages.Count; i++)
                zip.Add($"{ArchiveName}/data/{i}", storages[i].bytes);
            zip.Add($"{ArchiveName}/version", "3\n"u8);
            zip.Finish();
        });
    }

    /// <summary>Loads whatever value the file holds (see the type table of <see cref="PyTorchFile"/>).</summary>
    /// <exception cref="CheckpointException">The file is missing, is not a PyTorch zip file, is malformed, or uses a class that is not data.</exception>
    public static object? Load(string path)
        => Read(path, (value, tensors) => PythonValues.ToPublic(value, tensors));

    private static T Read<T>(string path, Func<object?, List<Tensor>, T> convert, bool readData = true)
        => WithErrors(path, () =>
        {
            using var stream = File.OpenRead(path);
            if (CheckSignature(stream))
                return ReadLegacy(stream, convert);
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read);
            using var scope = torch.NewDisposeScope(); // storages and intermediate views
            object? raw = Unpickle(archive, readData, out _);
            var tensors = new List<Tensor>();
            T result = convert(raw, tensors);
            scope.MoveToOuter(tensors.Distinct(ReferenceEqualityComparer.Instance).Cast<IDisposable>());
            return result;
        });

    /// <summary>Unpickles the archive's <c>data.pkl</c>, its storages read (or, without <paramref name="readData"/>, shape
    /// and type only); gives the resolver (the stored layout of the last tensor) and adds the storage entries asked for to
    /// <paramref name="entries"/>.</summary>
    private static object? Unpickle(ZipArchive archive, bool readData, out TorchPickleResolver resolver, List<string>? entries = null)
    {
        var pkl = archive.Entries.FirstOrDefault(e =>
            e.FullName.EndsWith("/" + DataPkl, StringComparison.Ordinal)
            && e.FullName.IndexOf('/') == e.FullName.Length - DataPkl.Length - 1)
            ?? throw new InvalidDataException($"has no <archive>/{DataPkl}: it is a zip file, but not one written by torch.save.");
        string prefix = pkl.FullName[..^DataPkl.Length];
        CheckByteOrder(archive, prefix);
        byte[] pickle = ReadEntry(pkl);
        resolver = new TorchPickleResolver((key, type, size, numel) =>
        {
            entries?.Add($"{prefix}data/{key}");
            return LoadStorage(archive, prefix, key, type, size, numel, readData);
        });
        return PickleReader.Load(pickle, resolver);
    }

    /// <summary>Runs <paramref name="read"/>, turning what a bad or unreadable file throws into a <see cref="CheckpointException"/> naming it.</summary>
    private static T WithErrors<T>(string path, Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(path, e.Message, e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointException(path, "does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(path, $"cannot be read ({e.Message}).", e);
        }
    }

    private static T ReadLegacy<T>(Stream stream, Func<object?, List<Tensor>, T> convert)
    {
        if (stream.Length > Array.MaxLength)
            throw new InvalidDataException("is over 2 GiB, which is not read in the legacy format.");
        var data = new byte[stream.Length];
        stream.Position = 0;
        stream.ReadExactly(data);
        using var scope = torch.NewDisposeScope();
        object? raw = LegacyTorchFile.Load(data);
        var tensors = new List<Tensor>();
        T result = convert(raw, tensors);
        scope.MoveToOuter(tensors.Distinct(ReferenceEqualityComparer.Instance).Cast<IDisposable>());
        return result;
    }

    /// <summary>Checks the file's first bytes; true for the legacy format, false for the zip format.</summary>
    private static bool CheckSignature(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (n == 0)
            throw new InvalidDataException("is empty.");
        if (n == 4 && head.SequenceEqual("PK\u0003\u0004"u8))
        {
            stream.Position = 0;
            return false;
        }
        if (head[0] == PickleOpcodes.Proto)
            return true;
        throw new InvalidDataException("is not a PyTorch file (the zip format torch.save writes since PyTorch 1.6).");
    }

    private static void CheckByteOrder(ZipArchive archive, string prefix)
    {
        var entry = archive.GetEntry(prefix + "byteorder");
        if (entry is null)
            return; // torch before 2.1 writes none: the data are in the writer's order, little-endian in practice
        string order = System.Text.Encoding.ASCII.GetString(ReadEntry(entry)).Trim();
        if (order != "little")
            throw new InvalidDataException($"holds tensors in '{order}' byte order, which is not read; save it again on a little-endian machine.");
    }

    private static Tensor LoadStorage(ZipArchive archive, string prefix, string key, ScalarType type, int elementSize, long numel, bool readData)
    {
        string name = $"{prefix}data/{key}";
        var entry = archive.GetEntry(name)
            ?? throw new InvalidDataException($"{DataPkl} refers to storage {key}, but {name} is missing.");
        long expected = numel * elementSize;
        if (entry.Length != expected)
            throw new InvalidDataException($"{name} holds {entry.Length} bytes; {numel} elements of {type} need {expected}.");
        if (!readData)
            return torch.empty([numel], type, device: new Device("meta")); // shape and type only: no memory at all
        var storage = torch.empty([numel], type);
        if (numel > 0)
            storage.bytes = ReadEntry(entry);
        return storage;
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength)
            throw new InvalidDataException($"{entry.FullName} is over 2 GiB, which is not read.");
        var buffer = new byte[entry.Length];
        using var s = entry.Open();
        s.ReadExactly(buffer);
        return buffer;
    }
}
