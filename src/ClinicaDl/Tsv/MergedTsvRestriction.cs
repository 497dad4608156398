using ClinicaDl.Errors;

namespace ClinicaDl.Tsv;

/// <summary>The data sets <c>tsvtool restrict</c> knows (spec §5.2).</summary>
public enum RestrictedDataset
{
    /// <summary>AIBL: participants whose every <c>examination_date</c> is <c>-4</c> (no imaging date) are removed.</summary>
    AIBL,
    /// <summary>OASIS: rows with <c>age_bl</c> below 62 (or missing) are removed.</summary>
    OASIS,
}

/// <summary>Options of <c>clinicadl tsvtool restrict {AIBL,OASIS} MERGED_TSV RESULTS_TSV</c>.</summary>
/// <param name="Dataset">The data set whose rule applies.</param>
/// <param name="MergedTsv">clinica's merged TSV (<c>clinica iotools merge-tsv</c>).</param>
/// <param name="ResultsTsv">The restricted TSV to write (its folder is created).</param>
/// <param name="Overwrite">Replace an existing <paramref name="ResultsTsv"/>.</param>
public sealed record RestrictOptions(RestrictedDataset Dataset, string MergedTsv, string ResultsTsv, bool Overwrite = false);

/// <summary>What <c>tsvtool restrict</c> did.</summary>
/// <param name="RowsRead">Rows of the merged TSV.</param>
/// <param name="RowsWritten">Rows kept.</param>
public sealed record RestrictResult(int RowsRead, int RowsWritten);

/// <summary><c>clinicadl tsvtool restrict</c>: the data-set specific row removals ClinicaDL's papers applied to AIBL and OASIS.</summary>
/// <remarks>
/// Values are written back as pandas writes them (<see cref="PandasTable"/>). AIBL is written with
/// <c>participant_id, session_id</c> first (0.2.1 writes it with its index), OASIS with the columns in file order.
/// Differences from 0.2.1 (docs/coming-from-clinicadl.md): an all-numeric <c>examination_date</c> column works (0.2.1
/// crashes, V17); a missing output folder is created; an existing output file is kept unless <c>--overwrite</c>; the
/// merged TSV itself is never the output.
/// </remarks>
public static class MergedTsvRestriction
{
    /// <summary>Reads, checks, filters and writes.</summary>
    /// <exception cref="ClinicaDlException">The merged TSV is missing or lacks a needed column, <c>age_bl</c> is not a number, or the output exists.</exception>
    public static RestrictResult Run(RestrictOptions options)
    {
        LabelOutput.CheckNotInput(options.ResultsTsv, options.MergedTsv, "RESULTS_TSV");
        var table = PandasTable.Read(options.MergedTsv);
        LabelOutput.CheckWritable([options.ResultsTsv], options.Overwrite);
        var keep = new List<int>();
        IReadOnlyList<int> columns;
        if (options.Dataset == RestrictedDataset.AIBL)
        {
            int p = table.Table.IndexOf("participant_id"), s = table.Table.IndexOf("session_id"), date = table.Table.IndexOf("examination_date");
            var noDate = Enumerable.Range(0, table.RowCount)
                .GroupBy(r => table.Raw(r, p))
                .Where(g => g.All(r => IsMinusFour(table.Raw(r, date))))
                .Select(g => g.Key)
                .ToHashSet(StringComparer.Ordinal);
            keep.AddRange(Enumerable.Range(0, table.RowCount).Where(r => !noDate.Contains(table.Raw(r, p))));
            columns = [p, s, .. Enumerable.Range(0, table.Columns.Count).Where(c => c != p && c != s)];
        }
        else
        {
            int age = table.Table.IndexOf("age_bl");
            for (int r = 0; r < table.RowCount; r++)
            {
                double value = table.Number(r, age)
                    ?? throw new TsvFormatException(table.Path, r + 1, $"age_bl \"{table.Raw(r, age)}\" is not a number.");
                if (value >= 62) keep.Add(r);
            }
            columns = Enumerable.Range(0, table.Columns.Count).ToList();
        }
        TsvWriter.Write(options.ResultsTsv, columns.Select(c => table.Columns[c]).ToList(),
            keep.Select(r => (IReadOnlyList<object?>)columns.Select(c => (object?)table.Text(r, c)).ToList()));
        return new RestrictResult(table.RowCount, keep.Count);
    }

    /// <summary>AIBL's "no date" marker, however pandas typed the column (<c>-4</c>, <c>-4.0</c>).</summary>
    private static bool IsMinusFour(string raw) => raw.Trim() == "-4" || (PandasTable.TryParseFloat(raw, out double v) && v == -4);
}
