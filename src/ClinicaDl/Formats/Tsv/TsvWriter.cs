using System.Globalization;
using System.Text;

namespace ClinicaDl.Formats.Tsv;

/// <summary>Writes tab-separated tables as pandas' <c>to_csv(sep="\t", index=False)</c> does, atomically.</summary>
/// <remarks>
/// Numbers are formatted culture-invariant: integers plainly, floating-point values with the shortest
/// round-trip form, written like Python's repr (<c>0.5</c>, <c>1.0</c>, <c>1e-05</c>, <c>nan</c>, <c>inf</c>),
/// so the files read the same as ClinicaDL's (spec §10 item 6).
/// </remarks>
public static class TsvWriter
{
    /// <summary>Writes the header and rows to <paramref name="path"/> through <see cref="AtomicFile"/>.</summary>
    public static void Write(string path, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows)
        => AtomicFile.WriteAllText(path, Format(columns, rows));

    /// <summary>Formats a table as TSV text (LF line ends, final newline).</summary>
    public static string Format(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join('\t', columns)).Append('\n');
        foreach (var row in rows)
        {
            if (row.Count != columns.Count)
                throw new ArgumentException($"a row has {row.Count} values for {columns.Count} columns.", nameof(rows));
            for (int i = 0; i < row.Count; i++)
            {
                if (i > 0) sb.Append('\t');
                sb.Append(FormatValue(row[i]));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Formats one value as pandas would print it.</summary>
    public static string FormatValue(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "True" : "False",
        float f => PythonFloat(f),
        double d => PythonFloat(d),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Python's <c>repr(float(x))</c> for a float32 value widened to double (as pandas prints float32 columns read back as float64).</summary>
    public static string PythonFloat(float value) => PythonFloat((double)value);

    /// <summary>Python's <c>repr(x)</c> for a double: shortest round-trip digits, <c>.0</c> for integral values, exponent form outside [1e-4, 1e16).</summary>
    public static string PythonFloat(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsPositiveInfinity(value)) return "inf";
        if (double.IsNegativeInfinity(value)) return "-inf";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";
        string r = value.ToString("R", CultureInfo.InvariantCulture);
        // .NET gives e.g. "1E-05" or "1.5E+16"; Python gives "1e-05" and "1.5e+16".
        int e = r.IndexOf('E');
        string mantissa = e < 0 ? r : r[..e];
        int exponent = 0;
        if (e >= 0) exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        // Recompute the decimal exponent of the shortest digits to choose Python's notation.
        bool negative = mantissa.StartsWith('-');
        if (negative) mantissa = mantissa[1..];
        int dot = mantissa.IndexOf('.');
        string intPart = dot < 0 ? mantissa : mantissa[..dot];
        string fracPart = dot < 0 ? "" : mantissa[(dot + 1)..];
        string digits = (intPart + fracPart).TrimStart('0');
        int leadingZerosInFrac = intPart.TrimStart('0').Length == 0 ? fracPart.Length - fracPart.TrimStart('0').Length : 0;
        int decimalExponent = intPart.TrimStart('0').Length > 0
            ? intPart.TrimStart('0').Length - 1 + exponent
            : -(leadingZerosInFrac + 1) + exponent;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        string sign = negative ? "-" : "";
        if (decimalExponent < -4 || decimalExponent >= 16)
        {
            string m = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            string es = decimalExponent < 0 ? "-" + Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture)
                                             : "+" + decimalExponent.ToString("00", CultureInfo.InvariantCulture);
            return sign + m + "e" + es;
        }
        if (decimalExponent < 0)
            return sign + "0." + new string('0', -decimalExponent - 1) + digits;
        if (digits.Length <= decimalExponent + 1)
            return sign + digits + new string('0', decimalExponent + 1 - digits.Length) + ".0";
        return sign + digits[..(decimalExponent + 1)] + "." + digits[(decimalExponent + 1)..];
    }
}
