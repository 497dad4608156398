namespace ClinicaDl.Slices;

/// <summary>Which slices of an image are used: direction and the slices discarded at each end (spec §5.1).</summary>
/// <remarks>
/// <c>--discarded_slices d</c> means (d, d); <c>--discarded_slices d0 d1</c> means d0 at the beginning and d1 at the
/// end. The used slices are [d0, L − d1), and an element's id is its absolute slice index. 0.2.1 checks nothing
/// (d0 + d1 ≥ L crashes later, more than two values are ignored: spec M20); <see cref="Validate"/> refuses both.
/// </remarks>
/// <param name="Direction">The sliced axis.</param>
/// <param name="DiscardedStart">Slices dropped at the beginning (d0).</param>
/// <param name="DiscardedEnd">Slices dropped at the end (d1).</param>
public sealed record SliceRange(SliceDirection Direction, int DiscardedStart, int DiscardedEnd)
{
    /// <summary>ClinicaDL's default: 20 slices dropped at each end.</summary>
    public const int DefaultDiscarded = 20;

    /// <summary>The range for <c>--discarded_slices</c> values as given (one or two non-negative values).</summary>
    /// <exception cref="ArgumentException">No value, more than two, or a negative one; the message says which.</exception>
    public static SliceRange From(SliceDirection direction, IReadOnlyList<int> discarded)
    {
        if (discarded.Count is < 1 or > 2)
            throw new ArgumentException($"takes one or two values, not {discarded.Count}.", nameof(discarded));
        if (discarded.Any(d => d < 0))
            throw new ArgumentException($"values must be ≥ 0, not {string.Join(" ", discarded)}.", nameof(discarded));
        return new SliceRange(direction, discarded[0], discarded.Count == 2 ? discarded[1] : discarded[0]);
    }

    /// <summary>The range for the option values of <c>-sd/--slice_direction</c> and <c>--discarded_slices</c> (null: the default 20).</summary>
    /// <exception cref="Errors.InvalidOptionException">A direction other than 0, 1, 2 (0.2.1 accepts negative ones: spec M19), or
    /// discarded slices that are not one or two non-negative values (0.2.1 ignores a third: spec M20).</exception>
    public static SliceRange Parse(int direction, IReadOnlyList<int>? discarded)
    {
        if (!SliceDirections.TryParse(direction, out var d))
            throw new Errors.InvalidOptionException("-sd/--slice_direction", "0 (sagittal), 1 (coronal) or 2 (axial)", direction.ToString(System.Globalization.CultureInfo.InvariantCulture));
        discarded ??= [DefaultDiscarded];
        string given = string.Join(" ", discarded);
        if (discarded.Count is < 1 or > 2)
            throw new Errors.InvalidOptionException("--discarded_slices", "one value (both ends) or two (beginning, end)", given.Length == 0 ? "nothing" : given);
        if (discarded.Any(v => v < 0))
            throw new Errors.InvalidOptionException("--discarded_slices", "non-negative numbers of slices", given);
        return From(d, discarded);
    }

    /// <summary>Number of slices per image (E = L − d0 − d1) for an image of shape (X, Y, Z); ≤ 0 when nothing is left.</summary>
    public int Count(IReadOnlyList<int> imageShape) => Direction.Length(imageShape) - DiscardedStart - DiscardedEnd;

    /// <summary>The absolute slice index of element <paramref name="element"/> (0-based among the used slices).</summary>
    public int SliceId(int element) => DiscardedStart + element;

    /// <summary>Null when the image shape leaves at least one slice; otherwise what is wrong, for a one-line error.</summary>
    public string? Validate(IReadOnlyList<int> imageShape)
    {
        int length = Direction.Length(imageShape);
        return Count(imageShape) >= 1
            ? null
            : $"--discarded_slices {DiscardedStart} {DiscardedEnd} leaves no slice: the image ({string.Join("×", imageShape)}) has {length} {Direction.ToString().ToLowerInvariant()} slices, so d0 + d1 must be below {length}.";
    }
}
