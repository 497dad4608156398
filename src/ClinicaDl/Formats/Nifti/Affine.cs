using System.Globalization;
using System.Text;

namespace ClinicaDl.Formats.Nifti;

/// <summary>An immutable 4×4 voxel-to-world matrix: world (x, y, z, 1) = M · (i, j, k, 1), in millimetres.</summary>
/// <remarks>
/// This is what nibabel calls <c>img.affine</c>. The last row is always (0, 0, 0, 1); the
/// constructor enforces it so that every affine can be stored in a NIfTI-1 header.
/// </remarks>
/// <threadsafety>Immutable; safe to share between threads.</threadsafety>
public sealed class Affine : IEquatable<Affine>
{
    private readonly double[] m; // row-major, 16 values

    /// <summary>Creates an affine from a 4×4 array (copied).</summary>
    /// <param name="matrix">Row-major 4×4 values; <c>matrix[r, c]</c> is row r, column c.</param>
    /// <exception cref="ArgumentException">The array is not 4×4, holds a non-finite value, or its last row is not (0, 0, 0, 1).</exception>
    public Affine(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.GetLength(0) != 4 || matrix.GetLength(1) != 4)
            throw new ArgumentException($"An affine must be 4×4, not {matrix.GetLength(0)}×{matrix.GetLength(1)}.", nameof(matrix));
        m = new double[16];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
            {
                double v = matrix[r, c];
                if (!double.IsFinite(v))
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Affine element [{r}, {c}] must be finite, not {v}."), nameof(matrix));
                m[4 * r + c] = v;
            }
        if (m[12] != 0 || m[13] != 0 || m[14] != 0 || m[15] != 1)
            throw new ArgumentException("The last row of an affine must be (0, 0, 0, 1).", nameof(matrix));
    }

    private Affine(double[] rowMajor) => m = rowMajor;

    /// <summary>The identity: one voxel is one millimetre, origin at voxel (0, 0, 0).</summary>
    public static Affine Identity { get; } = Diagonal(1, 1, 1);

    /// <summary>A diagonal affine with the given voxel sizes and no translation (NIfTI "method 1").</summary>
    public static Affine Diagonal(double sizeX, double sizeY, double sizeZ) => new(new double[]
    {
        sizeX, 0, 0, 0,
        0, sizeY, 0, 0,
        0, 0, sizeZ, 0,
        0, 0, 0, 1,
    });

    /// <summary>Creates an affine from its first three rows (the last row is (0, 0, 0, 1)); values are not checked.</summary>
    internal static Affine FromRows(ReadOnlySpan<double> row0, ReadOnlySpan<double> row1, ReadOnlySpan<double> row2)
    {
        var v = new double[16];
        row0[..4].CopyTo(v.AsSpan(0));
        row1[..4].CopyTo(v.AsSpan(4));
        row2[..4].CopyTo(v.AsSpan(8));
        v[15] = 1;
        return new Affine(v);
    }

    /// <summary>The element at row <paramref name="row"/>, column <paramref name="column"/> (both 0..3).</summary>
    public double this[int row, int column]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)row, 3u, nameof(row));
            ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)column, 3u, nameof(column));
            return m[4 * row + column];
        }
    }

    /// <summary>A new 4×4 array holding the matrix (row-major, as numpy prints it).</summary>
    public double[,] ToArray()
    {
        var a = new double[4, 4];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                a[r, c] = m[4 * r + c];
        return a;
    }

    /// <summary>The length of column <paramref name="column"/> (0..2) of the 3×3 part: the voxel size along that axis.</summary>
    public double ColumnNorm(int column)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)column, 2u, nameof(column));
        double a = m[column], b = m[4 + column], c = m[8 + column];
        return Math.Sqrt(a * a + b * b + c * c);
    }

    /// <summary>Maps voxel coordinates (i, j, k) to world coordinates (x, y, z).</summary>
    public (double X, double Y, double Z) Apply(double i, double j, double k) => (
        m[0] * i + m[1] * j + m[2] * k + m[3],
        m[4] * i + m[5] * j + m[6] * k + m[7],
        m[8] * i + m[9] * j + m[10] * k + m[11]);

    /// <summary>True when every element differs from <paramref name="other"/>'s by at most <paramref name="tolerance"/>.</summary>
    public bool ApproximatelyEquals(Affine other, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < 16; i++)
            if (!(Math.Abs(m[i] - other.m[i]) <= tolerance)) return false;
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Affine? other) => other is not null && m.AsSpan().SequenceEqual(other.m);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Affine);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (double v in m) h.Add(v);
        return h.ToHashCode();
    }

    /// <summary>The matrix as four bracketed rows, culture-invariant (round-trip precision).</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("[");
        for (int r = 0; r < 4; r++)
        {
            sb.Append(r == 0 ? "[" : " [");
            for (int c = 0; c < 4; c++)
                sb.Append(c == 0 ? "" : ", ").Append(m[4 * r + c].ToString("R", CultureInfo.InvariantCulture));
            sb.Append(']');
        }
        return sb.Append(']').ToString();
    }
}
