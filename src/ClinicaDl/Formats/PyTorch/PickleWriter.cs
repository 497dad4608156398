using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using TorchSharp;
using static ClinicaDl.Formats.PyTorch.PickleOpcodes;
using static TorchSharp.torch;

namespace ClinicaDl.Formats.PyTorch;

/// <summary>Pickles .NET values the way <c>torch.save</c> pickles the matching Python values (protocol 2).</summary>
/// <remarks>
/// Tensors are not pickled inline: each becomes a <c>torch._utils._rebuild_tensor_v2</c> call whose storage is
/// a persistent id <c>('storage', torch.FloatStorage, key, 'cpu', numel)</c>; the storages are returned for the
/// caller to write as <c>data/&lt;key&gt;</c> entries. Only globals on torch's weights-only allow-list are written
/// (<c>collections.OrderedDict</c>, <c>_rebuild_tensor_v2</c>, the storage classes). No memo is written: the
/// values we save share nothing.
/// </remarks>
internal sealed class PickleWriter
{
    private const int Batch = 1000;      // CPython batches APPENDS/SETITEMS by 1000
    private const int MaxDepth = 100;

    private readonly MemoryStream output = new();
    private readonly List<Tensor> storages = [];

    private PickleWriter() { }

    /// <summary>Pickles <paramref name="value"/> and returns the pickle with the storages it refers to.</summary>
    /// <remarks>The storages are contiguous CPU tensors, some created here: call inside a dispose scope.</remarks>
    /// <exception cref="ArgumentException">A value (named by its path) has a type that cannot be saved.</exception>
    public static byte[] Write(object? value, out IReadOnlyList<Tensor> storages)
    {
        var writer = new PickleWriter();
        writer.output.WriteByte(Proto);
        writer.output.WriteByte(WrittenProtocol);
        writer.WriteValue(value, "", 0);
        writer.output.WriteByte(Stop);
        storages = writer.storages;
        return writer.output.ToArray();
    }

    private void WriteValue(object? value, string path, int depth)
    {
        if (depth > MaxDepth)
            throw new ArgumentException($"value{path}: nested deeper than {MaxDepth} levels (a cycle?).");
        switch (value)
        {
            case null: output.WriteByte(None); break;
            case bool b: output.WriteByte(b ? NewTrue : NewFalse); break;
            case string s: WriteString(s); break;
            case Tensor t: WriteTensor(t, path); break;
            case sbyte or byte or short or ushort or int or uint or long: WriteInt(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ulong u: WriteInt(u); break;
            case BigInteger big: WriteInt(big); break;
            case double d: WriteFloat(d); break;
            case float f: WriteFloat(f); break;
            case Half h: WriteFloat((double)h); break;
            case ITuple tuple: WriteTuple(tuple, path, depth); break;
            case IEnumerable<KeyValuePair<string, Tensor>> stateDict: WriteOrderedDict(stateDict, path, depth); break;
            default:
                if (TryGetPairs(value, out var pairs))
                    WriteDict(pairs, path, depth);
                else if (value is IEnumerable items)
                    WriteList(items, path, depth);
                else
                    throw new ArgumentException(
                        $"value{path}: a {value.GetType().Name} cannot be saved in a PyTorch file; supported: tensors, state dicts, "
                        + "dictionaries, lists, tuples, strings, integers, floating-point numbers, booleans and null.");
                break;
        }
    }

    private void WriteString(string s)
    {
        output.WriteByte(BinUnicode);
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        WriteUInt32((uint)bytes.Length);
        output.Write(bytes);
    }

    private void WriteInt(BigInteger v)
    {
        if (v >= long.MinValue && v <= long.MaxValue)
        {
            WriteInt((long)v);
            return;
        }
        byte[] bytes = v.ToByteArray(); // little-endian two's complement, as LONG1/LONG4 expect
        if (bytes.Length < 256)
        {
            output.WriteByte(Long1);
            output.WriteByte((byte)bytes.Length);
        }
        else
        {
            output.WriteByte(Long4);
            WriteUInt32((uint)bytes.Length);
        }
        output.Write(bytes);
    }

    private void WriteInt(long v)
    {
        if (v is >= 0 and <= byte.MaxValue)
        {
            output.WriteByte(BinInt1);
            output.WriteByte((byte)v);
        }
        else if (v is >= 0 and <= ushort.MaxValue)
        {
            output.WriteByte(BinInt2);
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v);
            output.Write(b);
        }
        else if (v is >= int.MinValue and <= int.MaxValue)
        {
            output.WriteByte(BinInt);
            WriteUInt32(unchecked((uint)(int)v));
        }
        else
        {
            byte[] bytes = new BigInteger(v).ToByteArray(); // little-endian two's complement, at most 8 bytes
            output.WriteByte(Long1);
            output.WriteByte((byte)bytes.Length);
            output.Write(bytes);
        }
    }

    private void WriteFloat(double d)
    {
        output.WriteByte(BinFloat);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, d);
        output.Write(b);
    }

    private void WriteTuple(ITuple tuple, string path, int depth)
    {
        int n = tuple.Length;
        if (n == 0)
        {
            output.WriteByte(EmptyTuple);
            return;
        }
        if (n > 3)
            output.WriteByte(Mark);
        for (int i = 0; i < n; i++)
            WriteValue(tuple[i], $"{path}[{i}]", depth + 1);
        output.WriteByte(n switch { 1 => Tuple1, 2 => Tuple2, 3 => Tuple3, _ => PickleOpcodes.Tuple });
    }

    private void WriteList(IEnumerable items, string path, int depth)
    {
        output.WriteByte(EmptyList);
        int i = 0;
        foreach (object? item in items)
        {
            if (i % Batch == 0)
            {
                if (i > 0)
                    output.WriteByte(Appends);
                output.WriteByte(Mark);
            }
            WriteValue(item, $"{path}[{i}]", depth + 1);
            i++;
        }
        if (i > 0)
            output.WriteByte(Appends);
    }

    private void WriteDict(IEnumerable<(object? Key, object? Value)> pairs, string path, int depth)
    {
        output.WriteByte(EmptyDict);
        WriteItems(pairs, path, depth);
    }

    private void WriteOrderedDict(IEnumerable<KeyValuePair<string, Tensor>> stateDict, string path, int depth)
    {
        // collections.OrderedDict() then SETITEMS, as CPython pickles OrderedDict.__reduce__.
        WriteGlobal("collections", "OrderedDict");
        output.WriteByte(EmptyTuple);
        output.WriteByte(PickleOpcodes.Reduce);
        WriteItems(stateDict.Select(kv => ((object?)kv.Key, (object?)kv.Value)), path, depth);
    }

    private void WriteItems(IEnumerable<(object? Key, object? Value)> pairs, string path, int depth)
    {
        int i = 0;
        foreach (var (key, value) in pairs)
        {
            string at = $"{path}[{FormatKey(key)}]";
            if (key is not (string or sbyte or byte or short or ushort or int or uint or long or ulong or BigInteger or bool or double or float or null))
                throw new ArgumentException($"value{at}: a dictionary key must be a string, an integer, a number, a boolean or null, not a {key.GetType().Name}.");
            if (i % Batch == 0)
            {
                if (i > 0)
                    output.WriteByte(SetItems);
                output.WriteByte(Mark);
            }
            WriteValue(key, at, depth + 1);
            WriteValue(value, at, depth + 1);
            i++;
        }
        if (i > 0)
            output.WriteByte(SetItems);
    }

    private void WriteTensor(Tensor tensor, string path)
    {
        if (!TorchStorageTypes.TryGetName(tensor.dtype, out string storageName))
            throw new ArgumentException($"value{path}: tensors of {tensor.dtype} cannot be saved; supported: {TorchStorageTypes.Supported}.");

        // The storage we write holds exactly the tensor's elements, in row-major order, from offset 0.
        Tensor data = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
        if (!data.is_contiguous())
            data = data.contiguous();
        if (data.storage_offset() != 0)
            data = data.clone();
        if (data.NumberOfElements * data.ElementSize > int.MaxValue)
            throw new ArgumentException($"value{path}: tensors over 2 GiB cannot be saved.");
        string key = storages.Count.ToString(CultureInfo.InvariantCulture);
        storages.Add(data);

        long[] shape = tensor.shape;
        long[] stride = ContiguousStrides(shape);

        WriteGlobal("torch._utils", "_rebuild_tensor_v2");
        output.WriteByte(Mark);
        {
            // persistent id: ('storage', torch.XStorage, key, 'cpu', numel)
            output.WriteByte(Mark);
            WriteString("storage");
            WriteGlobal("torch", storageName);
            WriteString(key);
            WriteString("cpu");
            WriteInt(data.NumberOfElements);
            output.WriteByte(PickleOpcodes.Tuple);
            output.WriteByte(BinPersId);

            WriteInt(0L);                                        // storage_offset
            WriteLongTuple(shape);                               // size
            WriteLongTuple(stride);                              // stride
            output.WriteByte(NewFalse);                          // requires_grad: state dicts hold detached tensors
            WriteGlobal("collections", "OrderedDict");           // backward_hooks = OrderedDict()
            output.WriteByte(EmptyTuple);
            output.WriteByte(PickleOpcodes.Reduce);
        }
        output.WriteByte(PickleOpcodes.Tuple);
        output.WriteByte(PickleOpcodes.Reduce);
    }

    private void WriteLongTuple(long[] values)
    {
        var boxed = new object?[values.Length];
        for (int i = 0; i < values.Length; i++)
            boxed[i] = values[i];
        WriteTuple(new PyTuple(boxed), "", 0);
    }

    /// <summary>Row-major strides, computed as PyTorch does (a dimension of size 0 counts as 1).</summary>
    internal static long[] ContiguousStrides(long[] shape)
    {
        var stride = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            stride[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return stride;
    }

    private void WriteGlobal(string module, string name)
    {
        output.WriteByte(Global);
        output.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private void WriteUInt32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        output.Write(b);
    }

    private static string FormatKey(object? key) => key switch
    {
        null => "None",
        string s => "\"" + s + "\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => key.ToString() ?? "",
    };

    /// <summary>Reads the pairs of any dictionary (<see cref="IDictionary"/> or <see cref="IEnumerable{T}"/> of <see cref="KeyValuePair{TKey, TValue}"/>), in enumeration order.</summary>
    private static bool TryGetPairs(object value, out IEnumerable<(object? Key, object? Value)> pairs)
    {
        Type? pairType = value.GetType().GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            .Select(i => i.GetGenericArguments()[0])
            .FirstOrDefault(a => a.IsGenericType && a.GetGenericTypeDefinition() == typeof(KeyValuePair<,>));
        if (pairType is not null)
        {
            var keyProperty = pairType.GetProperty(nameof(KeyValuePair<int, int>.Key))!;
            var valueProperty = pairType.GetProperty(nameof(KeyValuePair<int, int>.Value))!;
            pairs = ((IEnumerable)value).Cast<object>().Select(p => (keyProperty.GetValue(p), valueProperty.GetValue(p)));
            return true;
        }
        if (value is IDictionary dictionary)
        {
            pairs = dictionary.Cast<DictionaryEntry>().Select(e => ((object?)e.Key, e.Value));
            return true;
        }
        pairs = [];
        return false;
    }
}
