using System.Text.Json;
using ClinicaDl.Errors;

namespace ClinicaDl.Options;

/// <summary>Typed reads of one <c>commandline.json</c> object: a value of the wrong kind (a hand-edited <c>"epochs": 3.0</c>
/// or <c>"split": ["zero"]</c>) is an error naming the key, never a default; a missing key gives the fallback.</summary>
internal sealed class RecordReader(JsonElement root, string path)
{
    /// <summary>The object read.</summary>
    public JsonElement Root => root;

    /// <summary>The file, for messages.</summary>
    public string Path => path;

    /// <summary>A string value, or <paramref name="fallback"/>; without a fallback the key is required.</summary>
    public string Str(string key, string? fallback = null)
    {
        if (root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String) return v.GetString()!;
        return fallback ?? throw new CheckpointException(path, $"has no string \"{key}\".");
    }

    /// <summary>A string value, or null when absent or not a string.</summary>
    public string? StrOrNull(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>True when the key holds a non-null value.</summary>
    public bool Present(string key, out JsonElement v) => root.TryGetProperty(key, out v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>The error for a value of the wrong kind.</summary>
    public CheckpointException Wrong(string key, string expected, JsonElement v)
        => new(path, $"\"{key}\" must be {expected}, not {v.GetRawText()}. Fix the file, or train again into a new OUTPUT_DIR.");

    /// <summary>A boolean.</summary>
    public bool Bool(string key, bool fallback = false)
        => !Present(key, out var v) ? fallback : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Wrong(key, "true or false", v);

    /// <summary>A number.</summary>
    public double Num(string key, double fallback)
        => !Present(key, out var v) ? fallback : v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Wrong(key, "a number", v);

    /// <summary>An int32 element of key <paramref name="key"/>.</summary>
    public int Int32Of(string key, JsonElement v) => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Wrong(key, "an integer", v);

    /// <summary>An integer, or null when absent.</summary>
    public int? IntOrNull(string key) => Present(key, out var v) ? Int32Of(key, v) : null;

    /// <summary>A list of strings (non-strings as their JSON text), or null when absent or not a list.</summary>
    public List<string>? StrList(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Array
        ? v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.ToString()).ToList() : null;
}
