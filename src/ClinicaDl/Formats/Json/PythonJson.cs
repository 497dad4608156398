using System.Globalization;
using System.Text;
using System.Text.Json;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Formats.Json;

/// <summary>Writes JSON as Python's <c>json.dump(obj, f, indent=4)</c> does (key order kept, floats as <c>repr</c>).</summary>
/// <remarks>Values may be null, bool, string, integers, float/double, nested <see cref="IReadOnlyList{T}"/> of
/// key/value pairs (objects), and enumerables (arrays).</remarks>
public static class PythonJson
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Formats an object given as ordered key/value pairs.</summary>
    public static string Format(IReadOnlyList<KeyValuePair<string, object?>> obj)
    {
        var sb = new StringBuilder();
        WriteValue(sb, obj, 0);
        return sb.ToString();
    }

    private static void WriteValue(StringBuilder sb, object? value, int depth)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case string s: sb.Append(JsonSerializer.Serialize(s, Options)); break;
            case float f: sb.Append(Float(f)); break;
            case double d: sb.Append(Float(d)); break;
            case int or long or short or byte or uint or ulong:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case IReadOnlyList<KeyValuePair<string, object?>> obj: WriteObject(sb, obj, depth); break;
            case System.Collections.IEnumerable list: WriteArray(sb, list.Cast<object?>().ToList(), depth); break;
            default: throw new ArgumentException($"cannot write a {value.GetType().Name} as JSON.", nameof(value));
        }
    }

    private static string Float(double d) => double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : TsvWriter.PythonFloat(d);

    private static void WriteObject(StringBuilder sb, IReadOnlyList<KeyValuePair<string, object?>> obj, int depth)
    {
        if (obj.Count == 0) { sb.Append("{}"); return; }
        sb.Append("{\n");
        for (int i = 0; i < obj.Count; i++)
        {
            sb.Append(' ', 4 * (depth + 1)).Append(JsonSerializer.Serialize(obj[i].Key, Options)).Append(": ");
            WriteValue(sb, obj[i].Value, depth + 1);
            if (i < obj.Count - 1) sb.Append(',');
            sb.Append('\n');
        }
        sb.Append(' ', 4 * depth).Append('}');
    }

    private static void WriteArray(StringBuilder sb, IReadOnlyList<object?> list, int depth)
    {
        if (list.Count == 0) { sb.Append("[]"); return; }
        sb.Append("[\n");
        for (int i = 0; i < list.Count; i++)
        {
            sb.Append(' ', 4 * (depth + 1));
            WriteValue(sb, list[i], depth + 1);
            if (i < list.Count - 1) sb.Append(',');
            sb.Append('\n');
        }
        sb.Append(' ', 4 * depth).Append(']');
    }
}
