using System.CommandLine;
using ClinicaDl.Options;

namespace ClinicaDl.Cli;

/// <summary>A <see cref="TrainOption"/> of <see cref="TrainSchema"/> as a System.CommandLine argument or option of one
/// <c>train &lt;mode&gt; &lt;network&gt;</c> command (or of <c>random-search</c>), and how its parsed value is read.</summary>
/// <param name="Option">The declaration.</param>
/// <param name="Symbol">The argument or option built from it: names, help, default, choices and checks (<see cref="OptionFactory"/>).</param>
/// <param name="Value">Its value in a parse, as <see cref="TrainOption.Apply"/> takes it.</param>
internal sealed record SchemaOptions(TrainOption Option, Symbol Symbol, Func<ParseResult, object?> Value)
{
    /// <summary>Adds <paramref name="options"/> to <paramref name="command"/>, in the order given, as <paramref name="mode"/> and
    /// <paramref name="kind"/> offer them (help and defaults may depend on both).</summary>
    /// <param name="command">The command.</param>
    /// <param name="options">The declarations to add.</param>
    /// <param name="mode">The mode (help, defaults and choices may depend on it).</param>
    /// <param name="kind">The network kind (defaults may depend on it).</param>
    /// <param name="help">Help texts that differ from the schema's for this command, by option.</param>
    public static IReadOnlyList<SchemaOptions> AddTo(Command command, IEnumerable<TrainOption> options, ModeOptions mode, NetworkKind kind,
        IReadOnlyDictionary<TrainOption, string>? help = null)
    {
        var bound = options.Select(o => Bind(o, mode, kind, help?.GetValueOrDefault(o))).ToList();
        foreach (var b in bound)
        {
            if (b.Symbol is Argument a) command.Arguments.Add(a);
            else command.Options.Add((System.CommandLine.Option)b.Symbol);
        }
        return bound;
    }

    /// <summary><paramref name="o"/> with the value of every bound option of the parse applied (options not given keep their defaults).</summary>
    public static TrainOptions Apply(IEnumerable<SchemaOptions> bound, ParseResult result, TrainOptions o)
        => bound.Aggregate(o, (options, b) => b.Option.Apply(options, b.Value(result)));

    private static SchemaOptions Bind(TrainOption option, ModeOptions mode, NetworkKind kind, string? helpOverride)
    {
        string name = option.Name ?? throw new ArgumentException($"{option} is not on the command line.", nameof(option));
        string help = helpOverride ?? option.HelpIn(mode);
        string[] aliases = [.. option.Aliases];
        string[] choices = [.. option.ChoicesFor?.Invoke(mode) ?? []];
        object? def = option.DefaultIn(mode, kind);
        int min = double.IsNegativeInfinity(option.Min) ? int.MinValue : (int)option.Min;
        SchemaOptions With<T>(Option<T> o) => new(option, o, r => r.GetValue(o));
        switch (option.Shape)
        {
            case OptionShape.Argument:
                var argument = choices.Length > 0 ? OptionFactory.ChoiceArgument(name, help, choices) : new Argument<string>(name) { Description = help };
                return new(option, argument, r => r.GetValue(argument));
            case OptionShape.Flag: return With(OptionFactory.Flag(name, help, aliases));
            case OptionShape.Int: return With(OptionFactory.Int(name, help, Convert.ToInt32(def, System.Globalization.CultureInfo.InvariantCulture), min, aliases));
            case OptionShape.OptionalInt: return With(OptionFactory.OptionalInt(name, help, min, aliases));
            case OptionShape.IntList: return With(OptionFactory.IntList(name, help, min, aliases));
            case OptionShape.Double:
                return With(OptionFactory.Double(name, help, (double)def!, option.Min, option.Max, option.MinExclusive, option.MaxExclusive, aliases));
            case OptionShape.Choice: return With(OptionFactory.Choice(name, help, (string)def!, choices, aliases));
            case OptionShape.Choices: return With(OptionFactory.Choices(name, help, (string[]?)def, choices, aliases));
            case OptionShape.Text: return With(OptionFactory.Text(name, help, (string?)def, option.HelpName, aliases));
            case OptionShape.List: return With(OptionFactory.List(name, help, option.HelpName ?? name.TrimStart('-').ToUpperInvariant(), aliases));
            case OptionShape.Bytes: return With(OptionFactory.Bytes(name, help, aliases));
            default: throw new ArgumentException($"{option} is not on the command line.", nameof(option));
        }
    }
}
