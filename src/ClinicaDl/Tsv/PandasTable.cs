using System.Globalization;
using System.Text.RegularExpressions;

namespace ClinicaDl.Tsv;

/// <summary>A TSV table read the way <c>pandas.read_csv(sep="\t")</c> reads it: missing-value tokens, and one type per column
/// that decides how each value is written back.</summary>
/// <remarks>
/// <para>
/// ClinicaDL's <c>tsvtool restrict</c> and <c>getlabels</c> read clinica's merged TSV with pandas and write it back, so
/// their outputs hold pandas' spelling of the values, not the file's: an integer column with a missing value becomes
/// floats (<c>22</c> → <c>22.0</c>), <c>70.50</c> becomes <c>70.5</c>, <c>NA</c> becomes an empty field. This type
/// reproduces that: <see cref="Text"/> gives the value as pandas would write it.
/// </para>
/// <para>
/// Column types, as pandas infers them: all values missing → float (written empty); every present value an integer →
/// int64 (float when one is missing); every present value a number → float64 (Python's <c>repr</c>); every present
/// value <c>True</c>/<c>False</c> → bool (<c>True</c>/<c>False</c>); otherwise text, written as read. Missing values are
/// pandas' default <c>na_values</c> (empty, <c>NA</c>, <c>NaN</c>, <c>nan</c>, <c>N/A</c>, <c>NULL</c>, <c>None</c>, …).
/// </para>
/// </remarks>
public sealed partial class PandasTable
{
    /// <summary>pandas' default missing-value tokens (<c>pandas._libs.parsers.STR_NA_VALUES</c>).</summary>
    public static readonly IReadOnlySet<string> NaTokens = new HashSet<string>(StringComparer.Ordinal)
    {
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN",
        "None", "n/a", "nan", "null",
    };

    private readonly ColumnKind[] kinds;

    private PandasTable(TsvTable table)
    {
        Table = table;
        kinds = new ColumnKind[table.Columns.Count];
        for (int c = 0; c < kinds.Length; c++) kinds[c] = Infer(table, c);
    }

    /// <summary>What pandas makes of a column.</summary>
    public enum ColumnKind
    {
        /// <summary>int64: every value present and an integer.</summary>
        Integer,
        /// <summary>float64: numbers, possibly with missing values (or all missing).</summary>
        Float,
        /// <summary>bool (or object holding bools): <c>True</c>/<c>False</c>.</summary>
        Boolean,
        /// <summary>object: text.</summary>
        Text,
    }

    /// <summary>The raw table.</summary>
    public TsvTable Table { get; }

    /// <summary>The file read (for messages).</summary>
    public string Path => Table.Path;

    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Columns => Table.Columns;

    /// <summary>Number of data rows.</summary>
    public int RowCount => Table.Rows.Count;

    /// <summary>Reads <paramref name="path"/> (see <see cref="TsvTable.Read"/> for the errors).</summary>
    public static PandasTable Read(string path) => new(TsvTable.Read(path));

    /// <summary>Wraps an already read table.</summary>
    public static PandasTable From(TsvTable table) => new(table);

    /// <summary>The type pandas gives column <paramref name="column"/>.</summary>
    public ColumnKind KindOf(int column) => kinds[column];

    /// <summary>The raw field of row <paramref name="row"/> (0-based), column <paramref name="column"/>.</summary>
    public string Raw(int row, int column) => Table.Rows[row][column];

    /// <summary>True when the field is one of pandas' missing-value tokens.</summary>
    public bool IsMissing(int row, int column) => NaTokens.Contains(Table.Rows[row][column]);

    /// <summary>The field, or null when missing.</summary>
    public string? Value(int row, int column) => IsMissing(row, column) ? null : Table.Rows[row][column];

    /// <summary>The field as a number (NaN when missing), or null when it is present but not a number.</summary>
    public double? Number(int row, int column)
    {
        if (IsMissing(row, column)) return double.NaN;
        return TryParseFloat(Table.Rows[row][column], out double v) ? v : null;
    }

    /// <summary>The field as pandas writes it back with <c>to_csv(sep="\t")</c>.</summary>
    public string Text(int row, int column)
    {
        string raw = Table.Rows[row][column];
        if (NaTokens.Contains(raw)) return "";
        return kinds[column] switch
        {
            ColumnKind.Integer => long.Parse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            ColumnKind.Float => TsvWriter.PythonFloat(ParseFloat(raw)),
            ColumnKind.Boolean => IsTrue(raw) ? "True" : "False",
            _ => raw,
        };
    }

    /// <summary>Python's float syntax (as pandas parses numbers): <c>1</c>, <c>-2.5</c>, <c>.5</c>, <c>1e-3</c>, <c>inf</c>.</summary>
    public static bool TryParseFloat(string text, out double value)
    {
        value = 0;
        string t = text.Trim();
        if (!FloatRegex().IsMatch(t)) return false;
        string lower = t.ToLowerInvariant();
        if (lower.EndsWith("inf", StringComparison.Ordinal) || lower.EndsWith("infinity", StringComparison.Ordinal))
        {
            value = lower.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static double ParseFloat(string text) => TryParseFloat(text, out double v) ? v : double.NaN;

    private static bool IsTrue(string raw) => raw is "True" or "TRUE" or "true";

    private static bool IsBool(string raw) => raw is "True" or "TRUE" or "true" or "False" or "FALSE" or "false";

    [GeneratedRegex(@"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[iI][nN][fF]([iI][nN][iI][tT][yY])?)$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatRegex();

    [GeneratedRegex(@"^[+-]?\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerRegex();

    private static ColumnKind Infer(TsvTable table, int column)
    {
        bool anyMissing = false, allInt = true, allFloat = true, allBool = true, anyPresent = false;
        foreach (var row in table.Rows)
        {
            string raw = row[column];
            if (NaTokens.Contains(raw)) { anyMissing = true; continue; }
            anyPresent = true;
            string t = raw.Trim();
            if (allInt && !(IntegerRegex().IsMatch(t) && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))) allInt = false;
            if (allFloat && !TryParseFloat(raw, out _)) allFloat = false;
            if (allBool && !IsBool(raw)) allBool = false;
        }
        if (!anyPresent) return ColumnKind.Float;
        if (allInt) return anyMissing ? ColumnKind.Float : ColumnKind.Integer;
        if (allFloat) return ColumnKind.Float;
        if (allBool) return ColumnKind.Boolean;
        return ColumnKind.Text;
    }
}
