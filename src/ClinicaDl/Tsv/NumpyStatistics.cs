namespace ClinicaDl.Tsv;

/// <summary>numpy's <c>nanmean</c>, <c>nanstd</c> (ddof 0), <c>nanmin</c> and <c>nanmax</c> on a 1-D float64 array, to the last bit.</summary>
/// <remarks>
/// numpy sums float64 arrays pairwise (blocks of 128, eight interleaved accumulators inside a block), not left to
/// right; <c>tsvtool analysis</c> mirrors that so its statistics are the same digits as ClinicaDL's. NaN values are
/// replaced by 0 for the sums and left out of the counts, as numpy's nan-functions do. An array without any number
/// gives NaN (numpy warns and gives NaN too, except <c>nanmin</c>/<c>nanmax</c> on an empty array, which raise).
/// </remarks>
public static class NumpyStatistics
{
    /// <summary><c>numpy.nanmean</c>.</summary>
    public static double NanMean(IReadOnlyList<double> values)
    {
        int count = values.Count(v => !double.IsNaN(v));
        if (count == 0) return double.NaN;
        return PairwiseSum(values.Select(v => double.IsNaN(v) ? 0 : v).ToArray()) / count;
    }

    /// <summary><c>numpy.nanstd</c> with <c>ddof=0</c> (the population standard deviation).</summary>
    public static double NanStd(IReadOnlyList<double> values)
    {
        int count = values.Count(v => !double.IsNaN(v));
        if (count == 0) return double.NaN;
        double[] filled = values.Select(v => double.IsNaN(v) ? 0 : v).ToArray();
        double mean = PairwiseSum(filled) / count;
        var squares = new double[filled.Length];
        for (int i = 0; i < filled.Length; i++)
        {
            double d = double.IsNaN(values[i]) ? 0 : filled[i] - mean;
            squares[i] = d * d;
        }
        return Math.Sqrt(PairwiseSum(squares) / count);
    }

    /// <summary><c>numpy.nanmin</c> (NaN when there is no number).</summary>
    public static double NanMin(IReadOnlyList<double> values)
    {
        var present = values.Where(v => !double.IsNaN(v)).ToList();
        return present.Count == 0 ? double.NaN : present.Min();
    }

    /// <summary><c>numpy.nanmax</c> (NaN when there is no number).</summary>
    public static double NanMax(IReadOnlyList<double> values)
    {
        var present = values.Where(v => !double.IsNaN(v)).ToList();
        return present.Count == 0 ? double.NaN : present.Max();
    }

    /// <summary>numpy's <c>pairwise_sum</c> for contiguous float64 data.</summary>
    public static double PairwiseSum(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            // numpy starts from -0.0 so that a sum of -0.0 values stays -0.0.
            double res = -0.0;
            for (int i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8)
            {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
            }
            double res = (r0 + r1 + (r2 + r3)) + (r4 + r5 + (r6 + r7));
            for (; i < n; i++) res += a[i];
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return PairwiseSum(a[..n2]) + PairwiseSum(a[n2..]);
    }
}
