using ClinicaDl.Common;

namespace ClinicaDl.Tests.Common;

/// <summary>CPython's <c>random</c> after <c>random.seed(0)</c> (spec verbs Appendix C).</summary>
public sealed class PythonRandomTests
{
    [Fact]
    public void NextUInt32_SeedZero_GivesCPythonWords()
    {
        var r = new PythonRandom(0);
        Assert.Equal([3626764237u, 1654615998u, 3255389356u, 3823568514u], new[] { r.NextUInt32(), r.NextUInt32(), r.NextUInt32(), r.NextUInt32() });
    }

    [Fact]
    public void Helpers_SeedZero_GiveAppendixCSequence()
    {
        var r = new PythonRandom(0);
        Assert.Equal(0.8444218515250481, r.Random());
        Assert.Equal(2, r.RandInt(1, 3));
        Assert.Equal(2, r.Choice([2, 5]));
        Assert.Equal(2.77675025087889, r.Uniform(2, 5), 14);
    }

    [Fact]
    public void RandBelow_StaysInRange()
    {
        var r = new PythonRandom(12345);
        for (int i = 0; i < 1000; i++) Assert.InRange(r.RandBelow(3), 0, 2);
    }
}
