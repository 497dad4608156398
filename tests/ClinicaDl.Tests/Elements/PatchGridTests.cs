using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Networks;

namespace ClinicaDl.Tests.Elements;

public sealed class PatchGridTests
{
    private static readonly int[] T1Linear = [169, 208, 179];

    /// <summary>What <c>image.unfold(1, ps, st).unfold(2, ps, st).unfold(3, ps, st).view(-1, ps, ps, ps)</c> yields, computed
    /// the long way: on each axis every start that is a multiple of the stride and leaves a whole patch, then the patches
    /// in nested-loop order x, y, z (the flattening of (nx, ny, nz) in C order).</summary>
    private static List<(int X, int Y, int Z)> UnfoldOrigins(int[] shape, int ps, int st)
    {
        List<int> Starts(int length)
        {
            var starts = new List<int>();
            for (int o = 0; o + ps <= length; o += st) starts.Add(o);
            return starts;
        }
        var result = new List<(int, int, int)>();
        foreach (int x in Starts(shape[0]))
            foreach (int y in Starts(shape[1]))
                foreach (int z in Starts(shape[2]))
                    result.Add((x, y, z));
        return result;
    }

    [Theory] // spec modes §4.1 and Appendix A (counts run on 0.2.1), plus small grids
    [InlineData(169, 208, 179, 50, 50, 36)]
    [InlineData(169, 208, 179, 50, 25, 210)]
    [InlineData(169, 208, 179, 32, 32, 150)]
    [InlineData(169, 208, 179, 64, 64, 12)]
    [InlineData(169, 208, 179, 50, 60, 18)]
    [InlineData(193, 229, 193, 50, 50, 36)]
    [InlineData(169, 208, 179, 50, 120, 4)]
    [InlineData(10, 7, 5, 3, 2, 4 * 3 * 2)]
    [InlineData(10, 7, 5, 5, 1, 6 * 3 * 1)]
    [InlineData(10, 7, 5, 2, 9, 1 * 1 * 1)]
    [InlineData(4, 4, 4, 4, 1, 1)]
    [InlineData(4, 4, 3, 4, 1, 0)]
    public void Origins_MatchUnfold(int x, int y, int z, int ps, int st, int expected)
    {
        int[] shape = [x, y, z];
        var grid = new PatchGrid(ps, st);
        var origins = UnfoldOrigins(shape, ps, st);
        Assert.Equal(expected, origins.Count);
        Assert.Equal(expected, grid.Count(shape));
        Assert.Equal(origins, Enumerable.Range(0, expected).Select(k => grid.Origin(k, shape)).ToList());
        var patches = grid.Patches(shape);
        Assert.Equal(expected, patches.Count);
        for (int k = 0; k < expected; k++)
        {
            var (ox, oy, oz) = origins[k];
            Assert.Equal(new RoiBox(ox, oy, oz, ox + ps, oy + ps, oz + ps), patches[k].Box);
            Assert.Equal($"patch-{k}", patches[k].Name);
            Assert.Equal(k, PatchGrid.IndexOf(patches[k].Name));
            Assert.Null(patches[k].Mask);
        }
    }

    [Fact]
    public void Origin_Defaults_IsSpecTable()
    {
        var grid = PatchGrid.Default;
        Assert.Equal((3, 4, 3), grid.Counts(T1Linear));
        Assert.Equal((0, 0, 0), grid.Origin(0, T1Linear));
        Assert.Equal((0, 0, 50), grid.Origin(1, T1Linear));
        Assert.Equal((0, 50, 0), grid.Origin(3, T1Linear));
        Assert.Equal((0, 150, 100), grid.Origin(11, T1Linear));
        Assert.Equal((50, 0, 0), grid.Origin(12, T1Linear));
        Assert.Equal((50, 0, 50), grid.Origin(13, T1Linear));
        Assert.Equal((50, 100, 100), grid.Origin(20, T1Linear));
        Assert.Equal((100, 150, 100), grid.Origin(35, T1Linear));
        Assert.Throws<ArgumentOutOfRangeException>(() => grid.Origin(36, T1Linear));
        Assert.Throws<ArgumentOutOfRangeException>(() => grid.Origin(-1, T1Linear));
    }

    [Theory]
    [InlineData(169, 208, 179, 50, 50)]
    [InlineData(169, 208, 179, 50, 25)]
    [InlineData(169, 208, 179, 32, 40)]
    [InlineData(10, 7, 5, 3, 2)]
    [InlineData(10, 7, 5, 2, 3)]
    [InlineData(10, 7, 5, 8, 8)]
    public void Coverage_CountsTheVoxelsInSomePatch(int x, int y, int z, int ps, int st)
    {
        int[] shape = [x, y, z];
        var covered = new bool[x, y, z];
        foreach (var (ox, oy, oz) in UnfoldOrigins(shape, ps, st))
            for (int i = ox; i < ox + ps; i++)
                for (int j = oy; j < oy + ps; j++)
                    for (int k = oz; k < oz + ps; k++)
                        covered[i, j, k] = true;
        double expected = covered.Cast<bool>().Count(c => c) / (double)(x * y * z);
        Assert.Equal(expected, new PatchGrid(ps, st).Coverage(shape), 12);
    }

    [Fact]
    public void Coverage_Defaults_Is71Point5Percent() // spec M21
        => Assert.Equal(0.715, PatchGrid.Default.Coverage(T1Linear), 3);

    [Theory]
    [InlineData(50, 0, "-ss/--stride_size", "an integer ≥ 1", "not 0")]
    [InlineData(50, -3, "-ss/--stride_size", "an integer ≥ 1", "not -3")]
    [InlineData(46, 50, "-ps/--patch_size", "an integer in 47..62 (Conv4_FC3's classifier takes sides 47..62)", "not 46")]
    [InlineData(63, 50, "-ps/--patch_size", "an integer in 47..62", "not 63")]
    [InlineData(0, 50, "-ps/--patch_size", "an integer in 47..62", "not 0")]
    public void Validate_Conv4Fc3_NamesTheOptionAndTheRange(int ps, int st, string option, string range, string actual)
    {
        var e = Assert.Throws<InvalidOptionException>(() =>
            new PatchGrid(ps, st).Validate(T1Linear, Conv4Fc3.MinSide, Conv4Fc3.MaxSide, "Conv4_FC3's classifier takes sides 47..62"));
        Assert.Equal(option, e.Option);
        Assert.StartsWith(option + ": must be " + range, e.Message);
        Assert.Contains(actual, e.Message);
    }

    [Theory]
    [InlineData(47)]
    [InlineData(50)]
    [InlineData(62)]
    public void Validate_SidesConv4Fc3Accepts_Pass(int ps)
    {
        new PatchGrid(ps, 1).Validate(T1Linear, Conv4Fc3.MinSide, Conv4Fc3.MaxSide, null);
        Assert.True(Conv4Fc3.Accepts([ps, ps, ps]));
    }

    [Fact]
    public void Validate_RangeAgreesWithConv4Fc3Layers()
    {
        Assert.False(Conv4Fc3.Accepts([Conv4Fc3.MinSide - 1, Conv4Fc3.MinSide - 1, Conv4Fc3.MinSide - 1]));
        Assert.False(Conv4Fc3.Accepts([Conv4Fc3.MaxSide + 1, Conv4Fc3.MaxSide + 1, Conv4Fc3.MaxSide + 1]));
    }

    [Fact]
    public void Validate_PatchLargerThanTheImage_SaysItMustFit()
    {
        var e = Assert.Throws<InvalidOptionException>(() => new PatchGrid(170, 50).Validate(T1Linear, 1, int.MaxValue, null));
        Assert.Equal("-ps/--patch_size: must be an integer in 1..169 (a patch must fit in the 169×208×179 images), not 170.", e.Message);
        new PatchGrid(169, 500).Validate(T1Linear, 1, int.MaxValue, null);
        Assert.Equal(1, new PatchGrid(169, 500).Count(T1Linear));
    }

    [Fact]
    public void Count_BeforeValidation_RefusesAZeroStride()
        => Assert.Throws<InvalidOperationException>(() => new PatchGrid(50, 0).Count(T1Linear));

    [Theory]
    [InlineData("patch-x")]
    [InlineData("patch--1")]
    [InlineData("rightHippocampus")]
    [InlineData("patch-")]
    public void IndexOf_OtherNames_IsMinusOne(string name) => Assert.Equal(-1, PatchGrid.IndexOf(name));
}
