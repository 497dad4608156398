namespace ClinicaDl.Runs.TsvTool;

/// <summary>The two tests <c>tsvtool split</c> uses to balance age and sex between subsets (spec §4.4).</summary>
/// <remarks>
/// Same definitions as scipy's <c>ttest_ind</c> (Student, equal variances, two-sided) and
/// <c>chi2_contingency</c> (Yates' correction when the table has one degree of freedom). A test that cannot
/// be computed (a constant column, one category) returns p = 1: nothing can be unbalanced.
/// </remarks>
public static class Statistics
{
    /// <summary>Two-sided p-value of Student's t-test between two independent samples.</summary>
    public static double TTestPValue(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        int n1 = a.Count, n2 = b.Count;
        if (n1 < 2 || n2 < 2) return 1.0;
        double m1 = a.Average(), m2 = b.Average();
        double v1 = a.Sum(x => (x - m1) * (x - m1)), v2 = b.Sum(x => (x - m2) * (x - m2));
        double df = n1 + n2 - 2;
        double pooled = (v1 + v2) / df;
        if (pooled <= 0) return m1 == m2 ? 1.0 : 0.0;
        double t = (m1 - m2) / Math.Sqrt(pooled * (1.0 / n1 + 1.0 / n2));
        return RegularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
    }

    /// <summary>p-value of the chi-square test of independence on a contingency table (rows = subsets, columns = categories).</summary>
    public static double ChiSquarePValue(double[,] observed)
    {
        int rows = observed.GetLength(0), cols = observed.GetLength(1);
        var rowSums = new double[rows];
        var colSums = new double[cols];
        double total = 0;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                rowSums[i] += observed[i, j];
                colSums[j] += observed[i, j];
                total += observed[i, j];
            }
        int usedRows = rowSums.Count(x => x > 0), usedCols = colSums.Count(x => x > 0);
        int dof = (usedRows - 1) * (usedCols - 1);
        if (dof <= 0 || total == 0) return 1.0;
        double chi2 = 0;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double expected = rowSums[i] * colSums[j] / total;
                if (expected == 0) continue;
                double diff = Math.Abs(observed[i, j] - expected);
                if (dof == 1) diff = Math.Max(0, diff - 0.5); // Yates, as scipy (never past the expected value)
                chi2 += diff * diff / expected;
            }
        return RegularizedUpperGamma(dof / 2.0, chi2 / 2.0);
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function (continued fraction, Lentz's method).</summary>
    internal static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        if (x > (a + 1) / (a + b + 2))
            return 1 - RegularizedIncompleteBeta(1 - x, b, a);
        const double tiny = 1e-300;
        double f = 1, c = 1, d = 0;
        for (int i = 0; i <= 400; i++)
        {
            int m = i / 2;
            double numerator;
            if (i == 0) numerator = 1;
            else if (i % 2 == 0) numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            else numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + numerator * d;
            if (Math.Abs(d) < tiny) d = tiny;
            d = 1 / d;
            c = 1 + numerator / c;
            if (Math.Abs(c) < tiny) c = tiny;
            double cd = c * d;
            f *= cd;
            if (Math.Abs(1 - cd) < 1e-14) break;
        }
        return Math.Exp(lnFront) * (f - 1) / a;
    }

    /// <summary>Q(a, x), the regularized upper incomplete gamma function.</summary>
    internal static double RegularizedUpperGamma(double a, double x)
    {
        if (x <= 0) return 1;
        double lnFront = -x + a * Math.Log(x) - LogGamma(a);
        if (x < a + 1)
        {
            // Series for P, then Q = 1 - P.
            double sum = 1 / a, term = sum;
            for (int n = 1; n < 1000; n++)
            {
                term *= x / (a + n);
                sum += term;
                if (Math.Abs(term) < Math.Abs(sum) * 1e-15) break;
            }
            return 1 - sum * Math.Exp(lnFront);
        }
        // Continued fraction for Q (Lentz).
        const double tiny = 1e-300;
        double bq = x + 1 - a, c = 1 / tiny, d = 1 / bq, h = d;
        for (int i = 1; i < 1000; i++)
        {
            double an = -i * (i - a);
            bq += 2;
            d = an * d + bq;
            if (Math.Abs(d) < tiny) d = tiny;
            c = bq + an / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return Math.Exp(lnFront) * h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos approximation, g = 7, n = 9).</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5)
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61503916999185, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double a = g[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) a += g[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }
}
