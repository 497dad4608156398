using System.Buffers.Binary;
using static TorchSharp.torch;

namespace ClinicaDl.Outputs.PyTorch;

/// <summary>Reads PyTorch's legacy file format, the one <c>torch.save</c> wrote before PyTorch 1.6 (and still writes with
/// <c>_use_new_zipfile_serialization=False</c>): torchvision's 2017 <c>resnet18-5c106cde.pth</c> is such a file.</summary>
/// <remarks>
/// The file is five pickles and the raw storages, back to back: the magic number 0x1950a86a20f9469cfc6c, the protocol
/// version 1001, a dict of system information (<c>little_endian</c>, type sizes), the object itself (its storages are
/// persistent ids <c>('storage', type, key, location, numel, view)</c>), the list of storage keys, then for each key
/// in that order an int64 element count and the elements. The object is unpickled twice: once to learn each storage's
/// element type (which says how long its data are), then again with the storages read from their offsets.
/// </remarks>
internal static class LegacyTorchFile
{
    private const long ProtocolVersion = 1001;

    /// <summary>The pickle of the magic number as torch writes it (protocol 2, LONG1 of 10 bytes).</summary>
    private static ReadOnlySpan<byte> MagicPickle => [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];

    /// <summary>True when <paramref name="data"/> starts with the legacy format's magic number.</summary>
    public static bool IsLegacy(ReadOnlySpan<byte> data) => data.StartsWith(MagicPickle);

    /// <summary>Unpickles the object the file holds; its tensors are created in the caller's dispose scope.</summary>
    /// <exception cref="InvalidDataException">The data are not a well-formed legacy file, or use what is not supported.</exception>
    public static object? Load(byte[] data)
    {
        if (!IsLegacy(data))
            throw new InvalidDataException("starts like a pickle but not with PyTorch's magic number: it is not a file written by torch.save.");
        int pos = MagicPickle.Length;
        var plain = new PlainResolver();
        if (PickleReader.Load(data, pos, plain, out pos) is not long version || version != ProtocolVersion)
            throw new InvalidDataException($"is a legacy PyTorch file of an unknown protocol version (expected {ProtocolVersion}).");
        var sysInfo = PickleReader.Load(data, pos, plain, out pos);
        if (sysInfo is PyDict info && info.Items.Any(kv => kv.Key is "little_endian" && kv.Value is false))
            throw new InvalidDataException("holds big-endian tensors, which are not read; save it again on a little-endian machine.");
        int objectStart = pos;

        // Pass 1: the element type and count of every storage, from the object's persistent ids.
        var layout = new Dictionary<string, (ScalarType Type, int ElementSize, long Numel)>();
        using (NewDisposeScope())
        {
            var probe = new TorchPickleResolver((key, type, size, numel) =>
            {
                layout[key] = (type, size, numel);
                return empty([numel], type);
            });
            PickleReader.Load(data, objectStart, probe, out pos);
        }
        if (PickleReader.Load(data, pos, plain, out pos) is not List<object?> keys || keys.Any(k => k is not string))
            throw new InvalidDataException("has no list of storage keys after the object.");

        var offsets = new Dictionary<string, long>();
        long at = pos;
        foreach (string key in keys.Cast<string>())
        {
            if (!layout.TryGetValue(key, out var storage))
                throw new InvalidDataException($"lists storage {key}, which the object does not use.");
            if (at + 8 > data.Length)
                throw new InvalidDataException($"ends before storage {key}.");
            long numel = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan((int)at, 8));
            if (numel != storage.Numel)
                throw new InvalidDataException($"storage {key} holds {numel} elements; the object expects {storage.Numel}.");
            at += 8;
            offsets[key] = at;
            at += numel * storage.ElementSize;
            if (at > data.Length)
                throw new InvalidDataException($"ends inside storage {key}.");
        }

        // Pass 2: the object with its storages' data.
        var resolver = new TorchPickleResolver((key, type, size, numel) =>
        {
            if (!offsets.TryGetValue(key, out long offset))
                throw new InvalidDataException($"uses storage {key}, which the list of storage keys lacks.");
            var storage = empty([numel], type);
            if (numel > 0)
                storage.bytes = data.AsSpan((int)offset, checked((int)(numel * size))).ToArray();
            return storage;
        });
        return PickleReader.Load(data, objectStart, resolver, out _);
    }

    /// <summary>Allows no globals: the header pickles hold only built-in values.</summary>
    private sealed class PlainResolver : IPickleResolver
    {
        public object FindClass(string module, string name) => throw new InvalidDataException($"unexpected class {module}.{name} in the file header.");
        public object? Call(object? callable, PyTuple args) => throw new InvalidDataException("unexpected call in the file header.");
        public void Build(object? instance, object? state) => throw new InvalidDataException("unexpected BUILD in the file header.");
        public object PersistentLoad(object? pid) => throw new InvalidDataException("unexpected persistent id in the file header.");
    }
}
