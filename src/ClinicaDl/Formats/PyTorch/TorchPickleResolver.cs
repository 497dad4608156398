using System.Buffers.Binary;
using System.Text;
using static TorchSharp.torch;

namespace ClinicaDl.Formats.PyTorch;

/// <summary>The globals a PyTorch file may use, and how they become tensors and values.</summary>
/// <remarks>
/// Allowed, like <c>torch.load(weights_only=True)</c>: <c>collections.OrderedDict</c>,
/// <c>torch._utils._rebuild_tensor[_v2]</c>, <c>torch._utils._rebuild_parameter[_with_state]</c> (read as plain
/// tensors) and the <c>torch.*Storage</c> classes. Also allowed, because ClinicaDL 0.2.1 checkpoints hold them
/// (its <c>valid_acc</c> is a <c>numpy.float64</c>): numpy scalars (<c>numpy.core.multiarray.scalar</c>,
/// <c>numpy.dtype</c>, <c>_codecs.encode</c>), read as <see cref="double"/>, <see cref="long"/> or <see cref="bool"/>.
/// Anything else is refused with <see cref="InvalidDataException"/>.
/// </remarks>
internal sealed class TorchPickleResolver : IPickleResolver
{
    /// <summary>Loads storage <c>data/&lt;key&gt;</c> as a 1-D tensor of <c>numel</c> elements of the given type.</summary>
    public delegate Tensor StorageLoader(string key, ScalarType type, int elementSize, long numel);

    private readonly StorageLoader loadStorage;
    private readonly Dictionary<string, Tensor> storages = [];

    /// <summary>Creates a resolver that reads storages through <paramref name="loadStorage"/>.</summary>
    public TorchPickleResolver(StorageLoader loadStorage) => this.loadStorage = loadStorage;

    private enum Callable { OrderedDict, RebuildTensor, RebuildTensorV2, RebuildParameter, RebuildParameterWithState, NumpyScalar, NumpyDtype, CodecsEncode }

    private sealed record Global(Callable Kind, string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    private sealed record StorageClass(ScalarType Type, int ElementSize, string Name)
    {
        public override string ToString() => $"torch.{Name}";
    }

    private sealed class NumpyDtype(string code)
    {
        public string Code { get; } = code;
        public char ByteOrder { get; set; } = '=';
        public override string ToString() => $"numpy.dtype('{Code}')";
    }

    /// <inheritdoc />
    public object FindClass(string module, string name)
    {
        Callable? kind = (module, name) switch
        {
            ("collections", "OrderedDict") => Callable.OrderedDict,
            ("torch._utils", "_rebuild_tensor") => Callable.RebuildTensor,
            ("torch._utils", "_rebuild_tensor_v2") => Callable.RebuildTensorV2,
            ("torch._utils", "_rebuild_parameter") => Callable.RebuildParameter,
            ("torch._utils", "_rebuild_parameter_with_state") => Callable.RebuildParameterWithState,
            ("numpy.core.multiarray" or "numpy._core.multiarray", "scalar") => Callable.NumpyScalar,
            ("numpy", "dtype") => Callable.NumpyDtype,
            ("_codecs", "encode") => Callable.CodecsEncode,
            _ => null,
        };
        if (kind is { } k)
            return new Global(k, module, name);
        if (module == "torch" && TorchStorageTypes.TryGetType(name, out var type, out int size))
            return new StorageClass(type, size, name);
        throw new InvalidDataException(
            $"unsupported class {module}.{name}: only tensors, state dicts, numpy scalars and plain Python values can be read "
            + "(save a state_dict, not a whole model or optimizer object).");
    }

    /// <inheritdoc />
    public object? Call(object? callable, PyTuple args)
    {
        if (callable is not Global g)
            throw new InvalidDataException($"cannot call a {Describe(callable)}.");
        return g.Kind switch
        {
            Callable.OrderedDict => NewOrderedDict(args),
            Callable.RebuildTensor or Callable.RebuildTensorV2 => RebuildTensor(args),
            Callable.RebuildParameter or Callable.RebuildParameterWithState => RebuildParameter(args),
            Callable.NumpyDtype => args.Count >= 1 && args[0] is string code
                ? new NumpyDtype(code)
                : throw new InvalidDataException("numpy.dtype needs a type code."),
            Callable.NumpyScalar => NumpyScalar(args),
            Callable.CodecsEncode => args.Count == 2 && args[0] is string text && args[1] is "latin1" or "latin-1"
                ? Encoding.Latin1.GetBytes(text)
                : throw new InvalidDataException("_codecs.encode is only read for latin1 text (how protocol 2 spells bytes)."),
            _ => throw new InvalidDataException($"cannot call {g}."),
        };
    }

    /// <inheritdoc />
    public void Build(object? instance, object? state)
    {
        switch (instance)
        {
            case PyDict { Ordered: true }:
                // An OrderedDict's instance attributes, e.g. a state dict's _metadata (module versions): not data, dropped.
                break;
            case NumpyDtype dtype when state is PyTuple { Count: >= 2 } t && t[1] is string { Length: 1 } order:
                dtype.ByteOrder = order[0];
                break;
            default:
                throw new InvalidDataException($"cannot set the state of a {Describe(instance)}.");
        }
    }

    /// <inheritdoc />
    public object PersistentLoad(object? pid)
    {
        // ('storage', torch.FloatStorage, key, location, numel), as torch.save writes it; the legacy format (before
        // PyTorch 1.6) adds a sixth item, None or (view_key, offset, view_numel) for a view of the root storage.
        if (pid is not PyTuple { Count: 5 or 6 } t || t[0] is not "storage")
            throw new InvalidDataException($"unsupported persistent id {Describe(pid)}.");
        if (t[1] is not StorageClass storageClass)
            throw new InvalidDataException($"persistent id with storage type {Describe(t[1])}.");
        if (t[2] is not string key || t[4] is not long numel || numel < 0)
            throw new InvalidDataException($"malformed persistent id {t}.");
        if (!storages.TryGetValue(key, out var storage))
        {
            storage = loadStorage(key, storageClass.Type, storageClass.ElementSize, numel);
            storages[key] = storage;
        }
        else if (storage.dtype != storageClass.Type)
            throw new InvalidDataException($"storage {key} is viewed as both {storage.dtype} and {storageClass.Type}, which is not supported.");
        if (t.Count == 6 && t[5] is not null)
            return StorageView(storage, t[5]);
        return storage;
    }

    private static Tensor StorageView(Tensor root, object? view)
    {
        // A legacy view of part of a storage: a copy of that part, so tensors built on it start at offset 0.
        if (view is not PyTuple { Count: 3 } v || v[1] is not long offset || v[2] is not long numel
            || offset < 0 || numel < 0 || offset + numel > root.NumberOfElements)
            throw new InvalidDataException($"malformed storage view {Describe(view)}.");
        return root.narrow(0, offset, numel).clone();
    }

    private static PyDict NewOrderedDict(PyTuple args)
    {
        var dict = new PyDict(ordered: true);
        if (args.Count == 0)
            return dict;
        if (args.Count == 1 && args[0] is List<object?> pairs)
        {
            foreach (var pair in pairs)
            {
                if (pair is not PyTuple { Count: 2 } kv)
                    throw new InvalidDataException("OrderedDict items are not (key, value) pairs.");
                dict.Set(kv[0], kv[1]);
            }
            return dict;
        }
        throw new InvalidDataException("OrderedDict called with unsupported arguments.");
    }

    /// <summary>The size, stride and storage offset of the last tensor rebuilt, as the file stores it (before it is made contiguous).</summary>
    public (long[] Size, long[] Stride, long Offset)? LastStored { get; private set; }

    private Tensor RebuildTensor(PyTuple args)
    {
        // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
        if (args.Count < 4 || args[0] is not Tensor storage)
            throw new InvalidDataException("_rebuild_tensor called without a storage.");
        long offset = args[1] is long o && o >= 0 ? o : throw new InvalidDataException($"tensor storage offset {Describe(args[1])}.");
        long[] size = Longs(args[2], "size");
        long[] stride = Longs(args[3], "stride");
        bool requiresGrad = args.Count > 4 && args[4] is true;
        if (size.Length != stride.Length || size.Any(s => s < 0) || stride.Any(s => s < 0))
            throw new InvalidDataException($"tensor size {args[2]} and stride {args[3]} do not match.");

        long numel = 1;
        long last = offset;
        try
        {
            for (int i = 0; i < size.Length; i++)
            {
                numel = checked(numel * size[i]);
                if (size[i] > 0)
                    last = checked(last + (size[i] - 1) * stride[i]);
            }
        }
        catch (OverflowException e)
        {
            throw new InvalidDataException($"tensor size {args[2]} overflows.", e);
        }
        long available = storage.NumberOfElements;
        if (numel > 0 && last >= available)
            throw new InvalidDataException($"tensor of size {args[2]}, stride {args[3]} and offset {offset} exceeds its storage of {available} elements.");

        LastStored = (size, stride, offset);
        Tensor view = storage.as_strided(size, stride, offset);
        Tensor result;
        if (!view.is_contiguous())
            result = view.contiguous();
        else if (offset != 0 || numel != available)
            result = view.clone(); // do not keep a larger storage alive for a slice of it
        else
            result = view;
        if (requiresGrad && result.is_floating_point())
            result.requires_grad = true;
        return result;
    }

    private static Tensor RebuildParameter(PyTuple args)
    {
        // (data, requires_grad, backward_hooks[, state]): a Parameter is read as its tensor.
        if (args.Count < 2 || args[0] is not Tensor data)
            throw new InvalidDataException("_rebuild_parameter called without a tensor.");
        if (args[1] is true && data.is_floating_point())
            data.requires_grad = true;
        return data;
    }

    private static object NumpyScalar(PyTuple args)
    {
        if (args.Count != 2 || args[0] is not NumpyDtype dtype || args[1] is not byte[] raw)
            throw new InvalidDataException("numpy scalar without a dtype and its bytes.");
        byte[] bytes = (byte[])raw.Clone();
        if (dtype.ByteOrder == '>')
            Array.Reverse(bytes); // '<', '=' (the writer's, little-endian in practice) and '|' need nothing
        ReadOnlySpan<byte> b = bytes;
        int expected = dtype.Code.Length == 2 && char.IsAsciiDigit(dtype.Code[1]) ? dtype.Code[1] - '0' : -1;
        if (expected != b.Length)
            throw new InvalidDataException($"numpy scalar of dtype '{dtype.Code}' with {b.Length} bytes.");
        return dtype.Code switch
        {
            "f8" => BinaryPrimitives.ReadDoubleLittleEndian(b),
            "f4" => (double)BinaryPrimitives.ReadSingleLittleEndian(b),
            "f2" => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
            "i8" => BinaryPrimitives.ReadInt64LittleEndian(b),
            "i4" => (long)BinaryPrimitives.ReadInt32LittleEndian(b),
            "i2" => (long)BinaryPrimitives.ReadInt16LittleEndian(b),
            "i1" => (long)(sbyte)b[0],
            "u8" => BinaryPrimitives.ReadUInt64LittleEndian(b) <= long.MaxValue
                ? (long)BinaryPrimitives.ReadUInt64LittleEndian(b)
                : throw new InvalidDataException("numpy uint64 scalar above 2^63 - 1."),
            "u4" => (long)BinaryPrimitives.ReadUInt32LittleEndian(b),
            "u2" => (long)BinaryPrimitives.ReadUInt16LittleEndian(b),
            "u1" => (long)b[0],
            "b1" => b[0] != 0,
            _ => throw new InvalidDataException($"numpy scalar of dtype '{dtype.Code}' is not supported."),
        };
    }

    private static long[] Longs(object? value, string what)
        => value is PyTuple t && t.All(v => v is long)
            ? t.Select(v => (long)v!).ToArray()
            : throw new InvalidDataException($"tensor {what} {Describe(value)} is not a tuple of integers.");

    private static string Describe(object? value) => value switch
    {
        Global or StorageClass or NumpyDtype => value.ToString()!,
        PyTuple t => t.ToString(),
        _ => PythonValues.TypeName(value),
    };
}
