using System.IO.Compression;
using ClinicaDl.Errors;
using ClinicaDl.Outputs.PyTorch;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Outputs;

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
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var stream = File.OpenRead(path);
            if (CheckSignature(stream))
                return ReadLegacy(stream, convert);
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read);
            var pkl = archive.Entries.FirstOrDefault(e =>
                e.FullName.EndsWith("/" + DataPkl, StringComparison.Ordinal)
                && e.FullName.IndexOf('/') == e.FullName.Length - DataPkl.Length - 1)
                ?? throw new InvalidDataException($"has no <archive>/{DataPkl}: it is a zip file, but not one written by torch.save.");
            string prefix = pkl.FullName[..^DataPkl.Length];
            CheckByteOrder(archive, prefix);
            byte[] pickle = ReadEntry(pkl);

            using var scope = torch.NewDisposeScope(); // storages and intermediate views
            var resolver = new TorchPickleResolver((key, type, size, numel) => LoadStorage(archive, prefix, key, type, size, numel, readData));
            object? raw = PickleReader.Load(pickle, resolver);
            var tensors = new List<Tensor>();
            T result = convert(raw, tensors);
            scope.MoveToOuter(tensors.Distinct(ReferenceEqualityComparer.Instance).Cast<IDisposable>());
            return result;
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
        var storage = torch.empty([numel], type); // not touched, so no memory is committed when the data are not read
        if (numel > 0 && readData)
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
