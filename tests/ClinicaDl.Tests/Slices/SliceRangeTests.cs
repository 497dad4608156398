using ClinicaDl.Slices;

namespace ClinicaDl.Tests.Slices;

public sealed class SliceRangeTests
{
    private static readonly int[] T1Linear = [169, 208, 179];

    [Theory] // spec Appendix A
    [InlineData(SliceDirection.Sagittal, 129, 208, 179, 148)]
    [InlineData(SliceDirection.Coronal, 168, 169, 179, 187)]
    [InlineData(SliceDirection.Axial, 139, 169, 208, 158)]
    public void Count_T1LinearDefaults_MatchesClinicaDl(SliceDirection direction, int count, int height, int width, int lastId)
    {
        var range = SliceRange.From(direction, [SliceRange.DefaultDiscarded]);
        Assert.Equal(count, range.Count(T1Linear));
        Assert.Equal((height, width), direction.SliceShape(T1Linear));
        Assert.Equal(20, range.SliceId(0));
        Assert.Equal(lastId, range.SliceId(count - 1));
        Assert.Null(range.Validate(T1Linear));
    }

    [Fact]
    public void From_TwoValues_DiscardsEachEndSeparately()
    {
        var range = SliceRange.From(SliceDirection.Sagittal, [10, 30]);
        Assert.Equal(169 - 40, range.Count(T1Linear));
        Assert.Equal(10, range.SliceId(0));
        Assert.Equal(9, SliceRange.From(SliceDirection.Sagittal, [80]).Count(T1Linear)); // spec §5.1: ids 80…88
    }

    [Theory]
    [InlineData(new int[0], "one or two values")]
    [InlineData(new[] { 1, 2, 3 }, "one or two values")]
    [InlineData(new[] { -1 }, "≥ 0")]
    public void From_BadValues_Throws(int[] values, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => SliceRange.From(SliceDirection.Axial, values));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Validate_NothingLeft_SaysWhy()
    {
        string? problem = SliceRange.From(SliceDirection.Sagittal, [100, 100]).Validate(T1Linear); // 0.2.1: E = −31 (M20)
        Assert.NotNull(problem);
        Assert.Contains("169 sagittal slices", problem);
        Assert.Null(SliceRange.From(SliceDirection.Sagittal, [100, 68]).Validate(T1Linear));
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void TryParse_OnlyZeroOneTwo(int value, bool ok) // M19
        => Assert.Equal(ok, SliceDirections.TryParse(value, out _));

    [Theory]
    [InlineData(-1, new[] { 20 }, "-sd/--slice_direction: must be 0 (sagittal), 1 (coronal) or 2 (axial), not -1.")] // M19
    [InlineData(3, new[] { 20 }, "-sd/--slice_direction: must be 0 (sagittal), 1 (coronal) or 2 (axial), not 3.")]
    [InlineData(0, new[] { 1, 2, 3 }, "--discarded_slices: must be one value (both ends) or two (beginning, end), not 1 2 3.")] // M20
    [InlineData(0, new int[0], "--discarded_slices: must be one value (both ends) or two (beginning, end), not nothing.")]
    [InlineData(1, new[] { 5, -2 }, "--discarded_slices: must be non-negative numbers of slices, not 5 -2.")]
    public void Parse_BadOptionValues_NameTheOption(int direction, int[] discarded, string message)
        => Assert.Equal(message, Assert.Throws<ClinicaDl.Errors.InvalidOptionException>(() => SliceRange.Parse(direction, discarded)).Message);

    [Fact]
    public void Parse_DefaultsAndGivenValues()
    {
        Assert.Equal(new SliceRange(SliceDirection.Sagittal, 20, 20), SliceRange.Parse(0, null));
        Assert.Equal(new SliceRange(SliceDirection.Axial, 7, 7), SliceRange.Parse(2, [7]));
        Assert.Equal(new SliceRange(SliceDirection.Coronal, 0, 30), SliceRange.Parse(1, [0, 30]));
    }
}
