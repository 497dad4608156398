using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using static ClinicaDl.Formats.PyTorch.PickleOpcodes;

namespace ClinicaDl.Formats.PyTorch;

/// <summary>A pickle virtual machine for protocols 0–5, limited to the opcodes that data (not code) needs.</summary>
/// <remarks>
/// Built-in values come out as .NET values: None → null, bool, int → <see cref="long"/>, float → <see cref="double"/>,
/// str → <see cref="string"/>, bytes → <see cref="byte"/>[], tuple → <see cref="PyTuple"/>, list →
/// <see cref="List{T}"/> of object, dict → <see cref="PyDict"/>. Globals, calls, <c>BUILD</c> and persistent ids go
/// through an <see cref="IPickleResolver"/>, which decides what is allowed. Sets, <c>NEWOBJ_EX</c>, <c>INST</c>/<c>OBJ</c>
/// and text-mode persistent ids are refused. Every malformed input becomes an <see cref="InvalidDataException"/>
/// that gives the byte offset.
/// </remarks>
internal sealed class PickleReader
{
    private readonly byte[] data;
    private readonly IPickleResolver resolver;
    private readonly List<object?> stack = [];
    private readonly List<int> marks = [];
    private readonly Dictionary<long, object?> memo = [];
    private int pos;
    private int opcodeAt;

    private PickleReader(byte[] data, IPickleResolver resolver)
    {
        this.data = data;
        this.resolver = resolver;
    }

    /// <summary>Unpickles the single object held by <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">The pickle is malformed or uses what is not supported; the message gives the byte offset.</exception>
    public static object? Load(byte[] data, IPickleResolver resolver) => Load(data, 0, resolver, out _);

    /// <summary>Unpickles the object whose pickle starts at <paramref name="start"/> and gives the offset just after its STOP
    /// (PyTorch's legacy format holds several pickles and raw data one after another).</summary>
    /// <exception cref="InvalidDataException">The pickle is malformed or uses what is not supported; the message gives the byte offset.</exception>
    public static object? Load(byte[] data, int start, IPickleResolver resolver, out int end)
    {
        var reader = new PickleReader(data, resolver) { pos = start };
        try
        {
            var value = reader.Run();
            end = reader.pos;
            return value;
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("pickle byte ", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"pickle byte {reader.opcodeAt}: {e.Message}", e);
        }
    }

    private object? Run()
    {
        while (true)
        {
            opcodeAt = pos;
            byte op = ReadByte();
            if (op == Stop)
            {
                if (stack.Count != 1 || marks.Count != 0)
                    throw new InvalidDataException($"STOP with {stack.Count} objects on the stack and {marks.Count} open marks.");
                return stack[0];
            }
            if (!(Framing(op) || PushScalar(op) || Collection(op) || MemoOp(op) || ObjectOp(op)))
                throw new InvalidDataException($"pickle byte {opcodeAt}: unsupported pickle opcode 0x{op:x2} ('{(op is >= 0x20 and < 0x7f ? (char)op : '?')}').");
        }
    }

    /// <summary>Protocol, frames and the stack's marks; false when <paramref name="op"/> is not one of them.</summary>
    private bool Framing(byte op)
    {
        switch (op)
        {
            case Proto:
                byte protocol = ReadByte();
                if (protocol > HighestProtocol)
                    throw new InvalidDataException($"pickle protocol {protocol} is newer than the supported {HighestProtocol}.");
                break;
            case Frame: Take(8); break;
            case Mark: marks.Add(stack.Count); break;
            case Pop:
                if (stack.Count > 0 && (marks.Count == 0 || marks[^1] < stack.Count)) PopValue();
                else PopMarked();
                break;
            case PopMark: PopMarked(); break;
            case Dup: stack.Add(Top()); break;
            default:
                return false;
        }
        return true;
    }

    /// <summary>Opcodes that push None, a bool, a number, a string or bytes; false when <paramref name="op"/> is not one of them.</summary>
    private bool PushScalar(byte op)
    {
        switch (op)
        {
            case PickleOpcodes.None: stack.Add(null); break;
            case NewTrue: stack.Add(true); break;
            case NewFalse: stack.Add(false); break;
            case BinInt: stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
            case BinInt1: stack.Add((long)ReadByte()); break;
            case BinInt2: stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
            case Long1: stack.Add(LongFrom(Take(ReadByte()))); break;
            case Long4: stack.Add(LongFrom(Take(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))))); break;
            case Int: stack.Add(ParseIntLine(ReadLine())); break;
            case PickleOpcodes.Long: stack.Add(ParseLong(ReadLine().TrimEnd('L'))); break;
            case BinFloat: stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
            case PickleOpcodes.Float: stack.Add(ParseFloat(ReadLine())); break;

            case BinUnicode: stack.Add(Utf8(Take(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
            case ShortBinUnicode: stack.Add(Utf8(Take(ReadByte()))); break;
            case BinUnicode8: stack.Add(Utf8(Take(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))))); break;
            case BinString: stack.Add(Encoding.Latin1.GetString(Take(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))))); break;
            case ShortBinString: stack.Add(Encoding.Latin1.GetString(Take(ReadByte()))); break;
            case BinBytes: stack.Add(Take(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break;
            case ShortBinBytes: stack.Add(Take(ReadByte()).ToArray()); break;
            case BinBytes8:
            case ByteArray8: stack.Add(Take(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))).ToArray()); break;
            default:
                return false;
        }
        return true;
    }

    /// <summary>Opcodes that build tuples, lists and dicts; false when <paramref name="op"/> is not one of them.</summary>
    private bool Collection(byte op)
    {
        switch (op)
        {
            case EmptyTuple: stack.Add(PyTuple.Empty); break;
            case Tuple1: stack.Add(new PyTuple(PopValue())); break;
            case Tuple2: { var b = PopValue(); var a = PopValue(); stack.Add(new PyTuple(a, b)); break; }
            case Tuple3: { var c = PopValue(); var b = PopValue(); var a = PopValue(); stack.Add(new PyTuple(a, b, c)); break; }
            case PickleOpcodes.Tuple: stack.Add(new PyTuple(PopMarked().ToArray())); break;

            case EmptyList: stack.Add(new List<object?>()); break;
            case PickleOpcodes.List: stack.Add(new List<object?>(PopMarked())); break;
            case Append: { var item = PopValue(); TopAs<List<object?>>("APPEND").Add(item); break; }
            case Appends: { var items = PopMarked(); TopAs<List<object?>>("APPENDS").AddRange(items); break; }

            case EmptyDict: stack.Add(new PyDict(ordered: false)); break;
            case PickleOpcodes.Dict: { var dict = new PyDict(ordered: false); AddPairs(dict, PopMarked()); stack.Add(dict); break; }
            case SetItem: { var value = PopValue(); var key = PopValue(); TopAs<PyDict>("SETITEM").Set(key, value); break; }
            case SetItems: { var items = PopMarked(); AddPairs(TopAs<PyDict>("SETITEMS"), items); break; }
            default:
                return false;
        }
        return true;
    }

    /// <summary>The memo's PUT and GET opcodes; false when <paramref name="op"/> is not one of them.</summary>
    private bool MemoOp(byte op)
    {
        switch (op)
        {
            case BinPut: memo[ReadByte()] = Top(); break;
            case LongBinPut: memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Top(); break;
            case Memoize: memo[memo.Count] = Top(); break;
            case Put: memo[ParseLong(ReadLine())] = Top(); break;
            case BinGet: stack.Add(Recall(ReadByte())); break;
            case LongBinGet: stack.Add(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
            case Get: stack.Add(Recall(ParseLong(ReadLine()))); break;
            default:
                return false;
        }
        return true;
    }

    /// <summary>Globals, calls, BUILD and persistent ids, through the resolver; false when <paramref name="op"/> is not one of them.</summary>
    private bool ObjectOp(byte op)
    {
        switch (op)
        {
            case Global:
                {
                    string module = ReadLine();
                    string name = ReadLine();
                    stack.Add(resolver.FindClass(module, name));
                    break;
                }
            case StackGlobal:
                {
                    var name = PopValue() as string;
                    var module = PopValue() as string;
                    if (module is null || name is null)
                        throw new InvalidDataException("STACK_GLOBAL needs a module and a name string.");
                    stack.Add(resolver.FindClass(module, name));
                    break;
                }
            case PickleOpcodes.Reduce:
            case NewObj:
                {
                    var args = PopValue() as PyTuple ?? throw new InvalidDataException("REDUCE/NEWOBJ arguments are not a tuple.");
                    var callable = PopValue();
                    stack.Add(resolver.Call(callable, args));
                    break;
                }
            case Build:
                {
                    var state = PopValue();
                    resolver.Build(Top(), state);
                    break;
                }
            case BinPersId: stack.Add(resolver.PersistentLoad(PopValue())); break;
            default:
                return false;
        }
        return true;
    }

    private static void AddPairs(PyDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0)
            throw new InvalidDataException("SETITEMS/DICT with an odd number of items.");
        for (int i = 0; i < items.Count; i += 2)
            dict.Set(items[i], items[i + 1]);
    }

    private object? Top() => stack.Count > 0 && (marks.Count == 0 || marks[^1] < stack.Count)
        ? stack[^1]
        : throw new InvalidDataException("stack underflow.");

    private T TopAs<T>(string opcode) where T : class
        => Top() as T ?? throw new InvalidDataException($"{opcode} applied to a {PythonValues.TypeName(Top())}.");

    private object? PopValue()
    {
        object? value = Top();
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private List<object?> PopMarked()
    {
        if (marks.Count == 0)
            throw new InvalidDataException("no MARK to pop to.");
        int at = marks[^1];
        marks.RemoveAt(marks.Count - 1);
        var items = stack.GetRange(at, stack.Count - at);
        stack.RemoveRange(at, stack.Count - at);
        return items;
    }

    private object? Recall(long key)
        => memo.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"memo key {key} was never stored.");

    private byte ReadByte()
    {
        if (pos >= data.Length)
            throw new InvalidDataException("the pickle ends without STOP.");
        return data[pos++];
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > data.Length - pos)
            throw new InvalidDataException($"a {count}-byte field runs past the end of the pickle.");
        var span = data.AsSpan(pos, count);
        pos += count;
        return span;
    }

    private int ReadLength(long length)
        => length is >= 0 and <= int.MaxValue ? (int)length : throw new InvalidDataException($"length {length} is out of range.");

    private int ReadLength(ulong length) => ReadLength(length > int.MaxValue ? -1L : (long)length);

    private string ReadLine()
    {
        int end = Array.IndexOf(data, (byte)'\n', pos);
        if (end < 0)
            throw new InvalidDataException("a text field has no end of line.");
        string line = Encoding.UTF8.GetString(data, pos, end - pos);
        pos = end + 1;
        return line;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("a string is not valid UTF-8.", e);
        }
    }

    private static long LongFrom(ReadOnlySpan<byte> littleEndianTwosComplement)
    {
        var value = new BigInteger(littleEndianTwosComplement, isUnsigned: false, isBigEndian: false);
        if (value < long.MinValue || value > long.MaxValue)
            throw new InvalidDataException($"the integer {value} does not fit in 64 bits.");
        return (long)value;
    }

    private static object ParseIntLine(string line) => line switch
    {
        "00" => false,  // protocol 0 spells booleans as INT 00 / 01
        "01" => true,
        _ => ParseLong(line),
    };

    private static long ParseLong(string text)
        => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new InvalidDataException($"'{text}' is not a 64-bit integer.");

    private static double ParseFloat(string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new InvalidDataException($"'{text}' is not a floating-point number.");
}
