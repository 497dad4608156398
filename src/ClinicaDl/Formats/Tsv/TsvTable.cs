using System.Text;
using ClinicaDl.Errors;

namespace ClinicaDl.Formats.Tsv;

/// <summary>A tab-separated table as pandas writes it: a header line, then one line per row, no quoting.</summary>
/// <remarks>
/// Reading accepts LF or CRLF line ends, a UTF-8 byte-order mark and a missing final newline; blank
/// lines at the end are ignored. A row with another number of fields than the header, or a header with
/// an empty or repeated column name, is a <see cref="TsvFormatException"/> naming the file and row.
/// </remarks>
public sealed class TsvTable
{
    /// <summary>Files larger than this are refused rather than read into memory (a label file is a few KB).</summary>
    public const long MaxBytes = 256L << 20;

    private readonly Dictionary<string, int> columnIndex;

    /// <summary>Creates a table; every row must have one field per column.</summary>
    public TsvTable(string path, IReadOnlyList<string> columns, IReadOnlyList<string[]> rows)
    {
        Path = path;
        Columns = columns;
        Rows = rows;
        columnIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < columns.Count; i++)
        {
            if (columns[i].Length == 0)
                throw new TsvFormatException(path, 0, $"column {i + 1} of the header has no name.");
            if (!columnIndex.TryAdd(columns[i], i))
                throw new TsvFormatException(path, 0, $"column \"{columns[i]}\" appears twice in the header.");
        }
    }

    /// <summary>The file the table came from (used in messages).</summary>
    public string Path { get; }

    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Data rows (header excluded); row <c>r</c> of the file is <c>Rows[r - 1]</c>.</summary>
    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>True when the header has <paramref name="column"/>.</summary>
    public bool HasColumn(string column) => columnIndex.ContainsKey(column);

    /// <summary>The index of <paramref name="column"/>.</summary>
    /// <exception cref="TsvFormatException">The column is missing; the message lists the columns found.</exception>
    public int IndexOf(string column)
    {
        if (columnIndex.TryGetValue(column, out int i)) return i;
        throw new TsvFormatException(Path, null,
            $"column \"{column}\" is missing (found: {string.Join(", ", Columns.Select(c => "\"" + c + "\""))}).");
    }

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="TsvFormatException">The file is missing, too large, empty, not UTF-8 text, or has a ragged row.</exception>
    public static TsvTable Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new TsvFormatException(path, null, "file not found.");
        if (info.Length > MaxBytes)
            throw new TsvFormatException(path, null, $"file is {info.Length} bytes; a TSV of at most {MaxBytes} bytes was expected.");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TsvFormatException(path, null, $"cannot be read ({e.Message}).");
        }
        return Parse(path, bytes);
    }

    /// <summary>Parses TSV bytes; <paramref name="path"/> is only used in messages.</summary>
    public static TsvTable Parse(string path, ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new TsvFormatException(path, null, "is not UTF-8 text.");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        if (text.IndexOf('\0') >= 0)
            throw new TsvFormatException(path, null, "contains NUL characters; a text TSV file was expected.");

        var lines = text.Split('\n');
        int count = lines.Length;
        while (count > 0 && lines[count - 1].TrimEnd('\r').Length == 0) count--;
        if (count == 0)
            throw new TsvFormatException(path, null, "is empty; a header line with tab-separated column names was expected.");

        string[] header = lines[0].TrimEnd('\r').Split('\t');
        var rows = new List<string[]>(count - 1);
        for (int r = 1; r < count; r++)
        {
            string line = lines[r].TrimEnd('\r');
            string[] fields = line.Split('\t');
            if (fields.Length != header.Length)
                throw new TsvFormatException(path, r, $"has {fields.Length} field(s); the header has {header.Length}.");
            rows.Add(fields);
        }
        return new TsvTable(path, header, rows);
    }
}
