namespace ClinicaDl.Errors;

/// <summary>A TensorBoard event file is missing, truncated, or fails its TFRecord length or data checksum.</summary>
/// <remarks>
/// Raised when an events file is read back (tests, and <c>train resume</c> continuing a run's file). Our writer
/// replaces the whole file atomically on every flush, so a torn file means it was damaged or written by something else.
/// </remarks>
public sealed class EventFileException : ClinicaDlException
{
    /// <summary>Creates the error for <paramref name="path"/>, at byte <paramref name="offset"/> (the record's start) when known.</summary>
    public EventFileException(string path, long? offset, string problem, Exception? inner = null)
        : base(offset is null ? $"{path}: {problem}" : $"{path}, byte {offset}: {problem}", inner)
    {
        Path = path;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The events file.</summary>
    public string Path { get; }
    /// <summary>The byte offset of the bad record, or null for the file as a whole.</summary>
    public long? Offset { get; }
    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}
