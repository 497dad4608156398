using Google.Protobuf;

namespace ClinicaDl.Formats.TensorBoard;

/// <summary>Encodes and decodes the parts of tensorflow's <c>Event</c> protobuf that scalar logging uses.</summary>
/// <remarks>
/// Encoded by hand with <see cref="CodedOutputStream"/>, so no .proto compilation is needed. Field numbers
/// (tensorflow/core/util/event.proto, summary.proto): <c>Event.wall_time = 1</c> (double), <c>step = 2</c> (int64),
/// <c>file_version = 3</c> (string), <c>summary = 5</c> (Summary); <c>Summary.value = 1</c> (repeated Value);
/// <c>Value.tag = 1</c> (string), <c>simple_value = 2</c> (float). Unknown fields are skipped when decoding.
/// </remarks>
internal sealed record TensorBoardEvent(double WallTime, long Step, string? FileVersion, IReadOnlyList<(string Tag, float Value)> Scalars)
{
    /// <summary>The file version of the first record, as TensorFlow and tensorboardX write it.</summary>
    public const string CurrentFileVersion = "brain.Event:2";

    /// <summary>Seconds since the Unix epoch, with the fraction, as Python's <c>time.time()</c>.</summary>
    public static double ToUnixSeconds(DateTimeOffset time)
        => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;

    /// <summary>The instant <paramref name="seconds"/> after the Unix epoch, to the nearest tick.</summary>
    public static DateTimeOffset FromUnixSeconds(double seconds)
        => DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    /// <summary>The first event of a file: its wall time and <see cref="CurrentFileVersion"/>.</summary>
    public static byte[] EncodeFileVersion(double wallTime) => Encode(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Fixed64);
        o.WriteDouble(wallTime);
        o.WriteTag(3, WireFormat.WireType.LengthDelimited);
        o.WriteString(CurrentFileVersion);
    });

    /// <summary>An event holding one scalar summary value.</summary>
    public static byte[] EncodeScalar(double wallTime, long step, string tag, float value)
    {
        byte[] summaryValue = Encode(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString(tag);
            o.WriteTag(2, WireFormat.WireType.Fixed32);
            o.WriteFloat(value);
        });
        byte[] summary = Encode(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(summaryValue));
        });
        return Encode(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Fixed64);
            o.WriteDouble(wallTime);
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt64(step);
            o.WriteTag(5, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(summary));
        });
    }

    /// <summary>Decodes an event; summary values without a <c>simple_value</c> (images, histograms) are left out.</summary>
    /// <exception cref="InvalidProtocolBufferException">The bytes are not a valid protobuf message.</exception>
    public static TensorBoardEvent Decode(byte[] data)
    {
        double wallTime = 0;
        long step = 0;
        string? fileVersion = null;
        var scalars = new List<(string, float)>();
        var input = new CodedInputStream(data);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag), WireFormat.GetTagWireType(tag))
            {
                case (1, WireFormat.WireType.Fixed64): wallTime = input.ReadDouble(); break;
                case (2, WireFormat.WireType.Varint): step = input.ReadInt64(); break;
                case (3, WireFormat.WireType.LengthDelimited): fileVersion = input.ReadString(); break;
                case (5, WireFormat.WireType.LengthDelimited): DecodeSummary(input.ReadBytes(), scalars); break;
                default: input.SkipLastField(); break;
            }
        }
        return new TensorBoardEvent(wallTime, step, fileVersion, scalars);
    }

    private static void DecodeSummary(ByteString summary, List<(string, float)> scalars)
    {
        var input = summary.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
                DecodeValue(input.ReadBytes(), scalars);
            else
                input.SkipLastField();
        }
    }

    private static void DecodeValue(ByteString value, List<(string, float)> scalars)
    {
        var input = value.CreateCodedInput();
        string? name = null;
        float? simple = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
                name = input.ReadString();
            else if (tag == WireFormat.MakeTag(2, WireFormat.WireType.Fixed32))
                simple = input.ReadFloat();
            else
                input.SkipLastField();
        }
        if (name is not null && simple is { } v)
            scalars.Add((name, v));
    }

    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
            output.Flush();
        }
        return buffer.ToArray();
    }
}
