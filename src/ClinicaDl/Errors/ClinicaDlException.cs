namespace ClinicaDl.Errors;

/// <summary>Base of every error the library raises for bad input, bad options or a failed run.</summary>
/// <remarks>
/// Each subtype is sealed, carries its context as properties (file, row, option, expected, actual)
/// and builds its message from them, so that the CLI can map the type to an exit code and users read
/// what went wrong, where, and what was expected.
/// </remarks>
public abstract class ClinicaDlException : Exception
{
    /// <summary>Creates the exception with its full, culture-invariant message.</summary>
    protected ClinicaDlException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>True when the problem lies in the user's input or options (exit code 2); false for a run failure (exit code 1).</summary>
    public virtual bool IsInputError => true;
}

/// <summary>An option has a value outside what it accepts (checked before any work starts).</summary>
public sealed class InvalidOptionException : ClinicaDlException
{
    /// <summary>Creates the error for <paramref name="option"/>.</summary>
    /// <param name="option">The option as the user spells it, e.g. <c>--batch_size</c>.</param>
    /// <param name="expected">What the option accepts, e.g. "a positive integer"; without <paramref name="actual"/>, a whole sentence saying what is wrong.</param>
    /// <param name="actual">The value given, or null when the problem is not a single value.</param>
    public InvalidOptionException(string option, string expected, string? actual = null)
        : base(actual is null ? $"{option}: {expected}." : $"{option}: must be {expected}, not {actual}.")
    {
        Option = option;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The option name.</summary>
    public string Option { get; }
    /// <summary>What was expected.</summary>
    public string Expected { get; }
    /// <summary>The value given, if any.</summary>
    public string? Actual { get; }
}

/// <summary>The CAPS folder does not hold what the run needs (a missing image or mask, a wrong grid, a bad path).</summary>
public sealed class CapsLayoutException : ClinicaDlException
{
    /// <summary>Creates the error about <paramref name="path"/>.</summary>
    public CapsLayoutException(string path, string problem, string? remedy = null)
        : base($"{path}: {problem}{(remedy is null ? "" : " " + remedy)}")
    {
        Path = path;
        Problem = problem;
        Remedy = remedy;
    }

    /// <summary>The file or folder concerned.</summary>
    public string Path { get; }
    /// <summary>What is wrong.</summary>
    public string Problem { get; }
    /// <summary>How to fix it, when known.</summary>
    public string? Remedy { get; }
}

/// <summary>A TSV file is missing, lacks a column, or has a bad row.</summary>
public sealed class TsvFormatException : ClinicaDlException
{
    /// <summary>Creates the error for <paramref name="path"/>, data row <paramref name="row"/> (1-based, header excluded; null for the file as a whole).</summary>
    public TsvFormatException(string path, int? row, string problem)
        : base(row is null ? $"{path}: {problem}" : $"{path}, row {row}: {problem}")
    {
        Path = path;
        Row = row;
        Problem = problem;
    }

    /// <summary>The TSV file.</summary>
    public string Path { get; }
    /// <summary>The 1-based data row (the header is row 0), or null.</summary>
    public int? Row { get; }
    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}

/// <summary>A NIfTI file is malformed or not what the run expects.</summary>
public sealed class NiftiFormatException : ClinicaDlException
{
    /// <summary>Creates the error for <paramref name="path"/> and header <paramref name="field"/>.</summary>
    public NiftiFormatException(string path, string field, string problem)
        : base($"{path}: NIfTI field {field}: {problem}")
    {
        Path = path;
        Field = field;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string Path { get; }
    /// <summary>The header field or part of the file concerned (e.g. <c>sizeof_hdr</c>, <c>dim</c>, <c>data</c>).</summary>
    public string Field { get; }
    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}

/// <summary>A checkpoint or tensor file (PyTorch format) cannot be read or does not fit the network.</summary>
public sealed class CheckpointException : ClinicaDlException
{
    /// <summary>Creates the error for <paramref name="path"/>.</summary>
    public CheckpointException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string Path { get; }
    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}

/// <summary>Sessions to evaluate were part of the training data (classify without <c>--skip_leak_check</c>), or a subject is on both sides of a split.</summary>
public sealed class DataLeakageException : ClinicaDlException
{
    /// <summary>Creates the error listing the leaking sessions.</summary>
    public DataLeakageException(string where, IReadOnlyList<string> sessions, string? remedy = null)
        : base($"{where}: {sessions.Count} session(s) also used for training: {string.Join(", ", sessions.Take(5))}{(sessions.Count > 5 ? ", ..." : "")}.{(remedy is null ? "" : " " + remedy)}")
    {
        Where = where;
        Sessions = sessions;
    }

    /// <summary>The file or folder where the leak was found.</summary>
    public string Where { get; }
    /// <summary>The sessions (participant_id/session_id) concerned.</summary>
    public IReadOnlyList<string> Sessions { get; }
}

/// <summary>The output folder cannot be used: it is a file, not writable, or already holds results.</summary>
public sealed class OutputFolderException : ClinicaDlException
{
    /// <summary>Creates the error about <paramref name="path"/>.</summary>
    public OutputFolderException(string path, string problem, string? remedy = null)
        : base($"{path}: {problem}{(remedy is null ? "" : " " + remedy)}")
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The folder or file.</summary>
    public string Path { get; }
    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}

/// <summary>A training run failed (divergence, a write that could not be done); not an input error.</summary>
public sealed class TrainingFailedException : ClinicaDlException
{
    /// <summary>Creates the error.</summary>
    public TrainingFailedException(string message, Exception? inner = null) : base(message, inner) { }

    /// <inheritdoc />
    public override bool IsInputError => false;
}
