using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ClinicaDl.Cli;

/// <summary>Builds options the way ClinicaDL spells them, with a kebab-case alias, defaults and choices shown in <c>--help</c>,
/// and value checks that fail at parse time with a message naming the option (exit code 2).</summary>
internal static class OptionFactory
{
    /// <summary>The option's aliases. Kebab-case spellings (<c>--batch-size</c>) are not aliases: <see cref="CliApp"/> rewrites
    /// them to ClinicaDL's names before parsing, so that help lists each option once, as ClinicaDL spells it.</summary>
    private static string[] Aliases(string name, string[] aliases) => aliases;

    public static Option<bool> Flag(string name, string description, params string[] aliases)
        => new(name, Aliases(name, aliases)) { Description = description };

    public static Option<string?> Text(string name, string description, string? defaultValue = null, string? helpName = null, params string[] aliases)
    {
        var o = new Option<string?>(name, Aliases(name, aliases)) { Description = description, HelpName = helpName };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        return o;
    }

    public static Option<string> Choice(string name, string description, string defaultValue, string[] choices, params string[] aliases)
    {
        var o = new Option<string>(name, Aliases(name, aliases)) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = string.Join("|", choices) };
        OnlyFrom(o, name, choices);
        return o;
    }

    public static Option<string[]> Choices(string name, string description, string[]? defaultValue, string[] choices, params string[] aliases)
    {
        var o = new Option<string[]>(name, Aliases(name, aliases))
        {
            Description = description,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            HelpName = string.Join("|", choices),
        };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        OnlyFrom(o, name, choices);
        return o;
    }

    /// <summary>A positional argument restricted to <paramref name="choices"/>, with an error naming it.</summary>
    public static Argument<string> ChoiceArgument(string name, string description, params string[] choices)
        => ChoiceArgument(name, description, choices, new Dictionary<string, string>());

    /// <summary>A positional argument restricted to <paramref name="choices"/>; a refused value listed in <paramref name="notes"/>
    /// gets its note after the error (where to go instead).</summary>
    public static Argument<string> ChoiceArgument(string name, string description, string[] choices, IReadOnlyDictionary<string, string> notes)
    {
        var a = new Argument<string>(name) { Description = $"{description} Choices: {string.Join(", ", choices)}.", HelpName = name };
        a.CompletionSources.Add(choices);
        a.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
                if (!choices.Contains(token.Value, StringComparer.Ordinal))
                    r.AddError($"{name}: must be {string.Join(" or ", choices)}, not '{token.Value}'"
                        + (notes.TryGetValue(token.Value, out string? note) ? $" ({note})." : "."));
        });
        return a;
    }

    /// <summary>Accepts only <paramref name="choices"/> (shown in help and offered by shell completion), with an error naming the option.</summary>
    private static void OnlyFrom(Option option, string name, string[] choices)
    {
        option.CompletionSources.Add(choices);
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
                if (!choices.Contains(token.Value, StringComparer.Ordinal))
                    r.AddError($"{name}: must be one of {string.Join(", ", choices)}, not '{token.Value}'.");
        });
    }

    public static Option<string[]> List(string name, string description, string helpName, params string[] aliases)
        => new(name, Aliases(name, aliases)) { Description = description, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore, HelpName = helpName };

    /// <summary>An integer option with a minimum; "must be an integer ≥ min, not X" otherwise.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, params string[] aliases)
    {
        var o = new Option<int>(name, Aliases(name, aliases)) { Description = description, DefaultValueFactory = _ => defaultValue };
        o.CustomParser = r => ParseInt(r, name, min) ?? defaultValue;
        return o;
    }

    /// <summary>An optional integer option (null when absent).</summary>
    public static Option<int?> OptionalInt(string name, string description, int min, params string[] aliases)
    {
        var o = new Option<int?>(name, Aliases(name, aliases)) { Description = description };
        o.CustomParser = r => ParseInt(r, name, min);
        return o;
    }

    /// <summary>A list of integers, each ≥ min.</summary>
    public static Option<int[]> IntList(string name, string description, int min, params string[] aliases)
    {
        var o = new Option<int[]>(name, Aliases(name, aliases)) { Description = description, AllowMultipleArgumentsPerToken = true, Arity = ArgumentArity.OneOrMore };
        o.CustomParser = r =>
        {
            var values = new List<int>();
            foreach (var token in r.Tokens)
            {
                if (!int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
                    r.AddError($"{name}: must be integers, not '{token.Value}'.");
                else if (v < min)
                    r.AddError($"{name}: must be integers ≥ {min}, not {v}.");
                else values.Add(v);
            }
            return [.. values];
        };
        return o;
    }

    /// <summary>A floating-point option in [min, max] (max exclusive when asked); "must be a number in …, not X" otherwise.</summary>
    public static Option<double> Double(string name, string description, double defaultValue, double min, double max = double.PositiveInfinity,
        bool minExclusive = false, bool maxExclusive = false, params string[] aliases)
    {
        var o = new Option<double>(name, Aliases(name, aliases)) { Description = description, DefaultValueFactory = _ => defaultValue };
        o.CustomParser = r =>
        {
            string token = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            {
                r.AddError($"{name}: must be a number, not '{token}'.");
                return defaultValue;
            }
            bool low = minExclusive ? v <= min : v < min;
            bool high = maxExclusive ? v >= max : v > max;
            if (low || high)
            {
                string range = double.IsPositiveInfinity(max)
                    ? (minExclusive ? $"> {Format(min)}" : $"≥ {Format(min)}")
                    : $"in {(minExclusive ? "(" : "[")}{Format(min)}, {Format(max)}{(maxExclusive ? ")" : "]")}";
                r.AddError($"{name}: must be a number {range}, not {token}.");
            }
            return v;
        };
        return o;
    }

    /// <summary>A memory size such as <c>8G</c>, <c>512M</c> or a byte count.</summary>
    public static Option<long?> Bytes(string name, string description, params string[] aliases)
    {
        var o = new Option<long?>(name, Aliases(name, aliases)) { Description = description, HelpName = "SIZE" };
        o.CustomParser = r =>
        {
            string token = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (TryParseBytes(token, out long bytes)) return bytes;
            r.AddError($"{name}: must be a size such as 4G, 512M or a number of bytes, not '{token}'.");
            return null;
        };
        return o;
    }

    public static bool TryParseBytes(string text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        long unit = 1;
        char last = char.ToUpperInvariant(text[^1]);
        if (last == 'B' && text.Length > 1) { text = text[..^1]; last = char.ToUpperInvariant(text[^1]); }
        switch (last)
        {
            case 'K': unit = 1L << 10; text = text[..^1]; break;
            case 'M': unit = 1L << 20; text = text[..^1]; break;
            case 'G': unit = 1L << 30; text = text[..^1]; break;
            case 'T': unit = 1L << 40; text = text[..^1]; break;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value < 0)
            return false;
        double total = value * unit;
        if (total > long.MaxValue) return false;
        bytes = (long)total;
        return true;
    }

    private static int? ParseInt(ArgumentResult r, string name, int min)
    {
        string token = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (!int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
        {
            r.AddError($"{name}: must be an integer{(min > int.MinValue ? $" ≥ {min}" : "")}, not '{token}'.");
            return null;
        }
        if (v < min)
        {
            r.AddError($"{name}: must be an integer ≥ {min}, not {v}.");
            return null;
        }
        return v;
    }

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
