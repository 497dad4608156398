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
}
