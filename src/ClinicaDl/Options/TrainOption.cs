using System.Globalization;
using System.Text.Json;

namespace ClinicaDl.Options;

/// <summary>How an option of <c>train</c> is given on the command line (and so how the CLI builds and checks it).</summary>
public enum OptionShape
{
    /// <summary>A positional argument (a string; restricted to <see cref="TrainOption.ChoicesFor"/> when given).</summary>
    Argument,
    /// <summary>A flag: true when given.</summary>
    Flag,
    /// <summary>An integer ≥ <see cref="TrainOption.Min"/>.</summary>
    Int,
    /// <summary>An integer ≥ <see cref="TrainOption.Min"/>, or nothing.</summary>
    OptionalInt,
    /// <summary>Integers, each ≥ <see cref="TrainOption.Min"/>.</summary>
    IntList,
    /// <summary>A finite number in [<see cref="TrainOption.Min"/>, <see cref="TrainOption.Max"/>].</summary>
    Double,
    /// <summary>One of <see cref="TrainOption.ChoicesFor"/>.</summary>
    Choice,
    /// <summary>One or more of <see cref="TrainOption.ChoicesFor"/>.</summary>
    Choices,
    /// <summary>A string.</summary>
    Text,
    /// <summary>One or more strings.</summary>
    List,
    /// <summary>A memory size (<c>4G</c>, <c>512M</c>, bytes).</summary>
    Bytes,
    /// <summary>Not on the command line: a key of <c>commandline.json</c> only (mode, task, versions, ...).</summary>
    Record,
}

/// <summary>The groups of <c>train</c>'s options (ClinicaDL 0.2.1's argparse groups, then ours), in the order <c>--help</c> lists them.</summary>
public enum OptionGroup
{
    /// <summary>The positional arguments.</summary>
    Arguments,
    /// <summary>Computational resources.</summary>
    Computational,
    /// <summary>Data management.</summary>
    Data,
    /// <summary>Cross-validation.</summary>
    CrossValidation,
    /// <summary>Optimisation.</summary>
    Optimization,
    /// <summary>The mode's own options.</summary>
    Mode,
    /// <summary>Transfer learning.</summary>
    Transfer,
    /// <summary>Network-specific (soft voting, visualisation).</summary>
    Network,
    /// <summary>Ours, not ClinicaDL's.</summary>
    Ours,
    /// <summary>Keys of <c>commandline.json</c> that are not options.</summary>
    Record,
}

/// <summary>One option of <c>clinicadl train &lt;mode&gt; &lt;network&gt;</c>, declared once in <see cref="TrainSchema"/>: its names,
/// shape, help, choices and bounds, which modes and networks take it, its <c>commandline.json</c> key (its position there is its
/// place in <see cref="TrainSchema.All"/>), and how its value is read from and written to <see cref="TrainOptions"/>.</summary>
/// <remarks>Its default is not written here: it is the value of a <see cref="TrainSchema.Blank"/> options record (the record's own
/// parameter default), so the CLI, the reading of files without the key, and the docs all take it from there.</remarks>
public abstract class TrainOption
{
    private protected TrainOption() { }

    /// <summary>The option as ClinicaDL spells it (<c>--batch_size</c>), the argument's name (<c>CAPS_DIR</c>), or null for a record-only key.</summary>
    public string? Name { get; init; }

    /// <summary>Other spellings (<c>-np</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>How it is given on the command line.</summary>
    public OptionShape Shape { get; init; }

    /// <summary>Where <c>--help</c> lists it.</summary>
    public OptionGroup Group { get; init; }

    /// <summary>The help text, when it does not depend on the mode.</summary>
    public string Help { init => HelpFor = _ => value; }

    /// <summary>The help text in a mode.</summary>
    public Func<ModeOptions, string> HelpFor { get; init; } = _ => "";

    /// <summary>The name of the value in <c>--help</c> (<c>DIR</c>), or null for the default.</summary>
    public string? HelpName { get; init; }

    /// <summary>The values accepted, when only some are (null: any).</summary>
    public Func<ModeOptions, IReadOnlyList<string>>? ChoicesFor { get; init; }

    /// <summary>The values accepted (mode-independent form of <see cref="ChoicesFor"/>).</summary>
    public IReadOnlyList<string> Choices { init => ChoicesFor = _ => value; }

    /// <summary>Smallest value of a number (no minimum: negative infinity).</summary>
    public double Min { get; init; } = double.NegativeInfinity;

    /// <summary>Largest value of a number.</summary>
    public double Max { get; init; } = double.PositiveInfinity;

    /// <summary>Whether <see cref="Min"/> itself is refused.</summary>
    public bool MinExclusive { get; init; }

    /// <summary>Whether <see cref="Max"/> itself is refused.</summary>
    public bool MaxExclusive { get; init; }

    /// <summary>The <c>commandline.json</c> key, or null when the option is not recorded (<c>--overwrite</c>, OUTPUT_DIR).</summary>
    public string? Key { get; init; }

    /// <summary>Whether the option is ours rather than ClinicaDL 0.2.1's.</summary>
    public bool Ours { get; init; }

    /// <summary>The mode whose own option this is (its options record type), or null for an option of every mode.</summary>
    public Type? ModeType { get; init; }

    /// <summary>Whether a mode (of <see cref="ModeType"/>) offers the option to a network kind (default: all).</summary>
    public Func<ModeOptions, NetworkKind, bool> OfferedWhen { get; init; } = (_, _) => true;

    /// <summary>Whether an offered option may be given on the command line (default: yes; an autoencoder records the
    /// <c>transfer_learning_selection</c> it always uses but does not take the option).</summary>
    public Func<ModeOptions, NetworkKind, bool> GivenWhen { get; init; } = (_, _) => true;

    /// <summary>Whether <c>train &lt;mode&gt; &lt;kind&gt;</c> records the key (and takes the option unless <see cref="GivenWhen"/> says otherwise).</summary>
    public bool Offered(ModeOptions mode, NetworkKind kind) => (ModeType is null || ModeType.IsInstanceOfType(mode)) && OfferedWhen(mode, kind);

    /// <summary>Whether a record of <paramref name="mode"/> is read for this option's key (any network: a hand-edited key is still read).</summary>
    public bool ReadIn(ModeOptions mode) => Key is not null && HasReader && (ModeType is null || ModeType.IsInstanceOfType(mode));

    /// <summary>The help text in <paramref name="mode"/>.</summary>
    public string HelpIn(ModeOptions mode) => HelpFor(mode);

    /// <summary>The default of <c>train &lt;mode&gt; &lt;kind&gt;</c>, as the command line gives it (a list as an array), or null for none.</summary>
    public abstract object? DefaultIn(ModeOptions mode, NetworkKind kind);

    /// <summary>The value <c>commandline.json</c> holds for <paramref name="o"/>.</summary>
    public abstract object? JsonValue(TrainOptions o);

    /// <summary>The key and value of <paramref name="o"/>.</summary>
    public KeyValuePair<string, object?> Pair(TrainOptions o) => new(Key!, JsonValue(o));

    /// <summary><paramref name="o"/> with this option set to a value parsed from the command line (null or an empty list: not given).</summary>
    public abstract TrainOptions Apply(TrainOptions o, object? value);

    /// <summary><paramref name="o"/> with this option read from a <c>commandline.json</c>; a missing key keeps the value of <paramref name="o"/>.</summary>
    internal abstract TrainOptions ReadFrom(TrainOptions o, RecordReader r);

    private protected abstract bool HasReader { get; }

    /// <summary>The option as messages name it: its aliases and name (<c>-np/--nproc</c>).</summary>
    public string Label => string.Join("/", Aliases.Append(Name ?? Key ?? "?"));

    /// <summary>Checks the value of <paramref name="o"/> against <see cref="Min"/> and <see cref="Max"/>, as the command line does
    /// (for options records made by code or read from a file): integers with a minimum of 0 or 1, numbers, memory sizes.</summary>
    /// <exception cref="Errors.InvalidOptionException">A value out of bounds, naming the option.</exception>
    internal void CheckBounds(TrainOptions o)
    {
        if (Name is null || ModeType is not null && !ModeType.IsInstanceOfType(o.Mode)) return;
        switch (Shape, Value(o))
        {
            case (OptionShape.Int or OptionShape.OptionalInt, int i) when Min == 1: Errors.Guard.Positive(Label, i); break;
            case (OptionShape.Int or OptionShape.OptionalInt, int i) when Min == 0: Errors.Guard.NonNegative(Label, i); break;
            case (OptionShape.Bytes, long bytes): Errors.Guard.NonNegative(Label, bytes); break;
            case (OptionShape.Double, double d) when double.IsFinite(Max): Errors.Guard.InRange(Label, d, Min, Max, MaxExclusive); break;
            case (OptionShape.Double, double d) when Min == 0 && MinExclusive: Errors.Guard.Positive(Label, d); break;
            case (OptionShape.Double, double d) when Min == 0: Errors.Guard.NonNegative(Label, d); break;
        }
    }

    /// <summary>The value in <paramref name="o"/>, boxed.</summary>
    private protected abstract object? Value(TrainOptions o);

    /// <inheritdoc />
    public override string ToString() => Name ?? Key ?? "?";
}

/// <summary>A <see cref="TrainOption"/> whose value is a <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The value as the command line gives it and the options record exposes it (converted by <see cref="Get"/> and <see cref="Set"/>).</typeparam>
public sealed class TrainOption<T> : TrainOption
{
    /// <summary>The value in an options record.</summary>
    public required Func<TrainOptions, T> Get { get; init; }

    /// <summary>The options record with the value set (null: the value is not in the record, e.g. <c>commandline.json</c>'s <c>version</c>).</summary>
    public Func<TrainOptions, T, TrainOptions>? Set { get; init; }

    /// <summary>The JSON value of a value (default: the value itself; lists as lists).</summary>
    public Func<T, object?> ToJson { get; init; } = v => v;

    /// <summary>Reads the key (default: by <see cref="OptionShape"/>, a missing key giving the current value); null for keys that are written only.</summary>
    internal Func<RecordReader, string, T, TrainOptions, T>? Read { get; init; }

    private protected override bool HasReader => Set is not null && (Read is not null || Shape != OptionShape.Record);

    /// <inheritdoc />
    public override object? DefaultIn(ModeOptions mode, NetworkKind kind)
    {
        object? v = Get(TrainSchema.Blank(mode, kind));
        return v switch
        {
            IReadOnlyList<string> s => s.ToArray(),
            IReadOnlyList<int> i => i.ToArray(),
            _ => v,
        };
    }

    /// <inheritdoc />
    public override object? JsonValue(TrainOptions o) => ToJson(Get(o));

    /// <inheritdoc />
    private protected override object? Value(TrainOptions o) => Get(o);

    /// <inheritdoc />
    public override TrainOptions Apply(TrainOptions o, object? value)
    {
        if (Set is null || value is null || value is Array { Length: 0 }) return o;
        return Set(o, value is T t ? t : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    internal override TrainOptions ReadFrom(TrainOptions o, RecordReader r)
    {
        T current = Get(o);
        return Set!(o, Read is not null ? Read(r, Key!, current, o) : ReadByShape(r, Key!, current));
    }

    /// <summary>The default reading of each shape: a value of the wrong kind is an error naming the key, a missing key the current value.</summary>
    private T ReadByShape(RecordReader r, string key, T current)
    {
        object? v = Shape switch
        {
            OptionShape.Flag => r.Bool(key, (bool)(object)current!),
            OptionShape.Int => r.IntOrNull(key) ?? (int)(object)current!,
            OptionShape.OptionalInt => r.IntOrNull(key),
            OptionShape.Double => r.Num(key, (double)(object)current!),
            OptionShape.Argument or OptionShape.Choice => r.Str(key, current is string { Length: > 0 } s ? s : null),
            OptionShape.Text => r.StrOrNull(key),
            OptionShape.Choices or OptionShape.List => r.StrList(key) ?? (object?)current,
            OptionShape.IntList => r.Present(key, out var e) ? IntList(r, key, e) : null,
            OptionShape.Bytes => !r.Present(key, out var b) ? null
                : b.ValueKind == JsonValueKind.Number && b.TryGetInt64(out long bytes) ? bytes : throw r.Wrong(key, "an integer number of bytes", b),
            _ => throw new InvalidOperationException($"{key}: no reader for {Shape}"),
        };
        return (T)v!;
    }

    /// <summary>A list of integers, or a single integer as a list of one (anything else: "must be an integer").</summary>
    internal static List<int> IntList(RecordReader r, string key, JsonElement e)
        => e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => r.Int32Of(key, x)).ToList()
            : [r.Int32Of(key, e)];
}
