using System.Globalization;

namespace ClinicaDl.Errors;

/// <summary>Argument guards with culture-invariant messages that name the option and the accepted range.</summary>
internal static class Guard
{
    /// <summary>Throws unless <paramref name="value"/> ≥ 1.</summary>
    public static void Positive(string option, long value)
    {
        if (value < 1)
            throw new InvalidOptionException(option, "a positive integer", value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Throws unless <paramref name="value"/> ≥ 0.</summary>
    public static void NonNegative(string option, long value)
    {
        if (value < 0)
            throw new InvalidOptionException(option, "a non-negative integer", value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and &gt; 0.</summary>
    public static void Positive(string option, double value)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new InvalidOptionException(option, "a positive number", value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0.</summary>
    public static void NonNegative(string option, double value)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new InvalidOptionException(option, "a non-negative number", value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Throws unless <paramref name="value"/> lies in [min, max] (or [min, max) when <paramref name="maxExclusive"/>).</summary>
    public static void InRange(string option, double value, double min, double max, bool maxExclusive = false)
    {
        bool ok = double.IsFinite(value) && value >= min && (maxExclusive ? value < max : value <= max);
        if (!ok)
        {
            string range = string.Create(CultureInfo.InvariantCulture, $"a number in [{min}, {max}{(maxExclusive ? ")" : "]")}");
            throw new InvalidOptionException(option, range, value.ToString("R", CultureInfo.InvariantCulture));
        }
    }
}
