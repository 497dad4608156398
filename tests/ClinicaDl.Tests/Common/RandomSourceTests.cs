using ClinicaDl.Common;

namespace ClinicaDl.Tests.Common;

public sealed class RandomSourceTests
{
    [Fact]
    public void SameSeedAndStream_SameSequence_OtherStream_Differs()
    {
        var a = new RandomSource(3, "x");
        var b = new RandomSource(3, "x");
        var c = new RandomSource(3, "y");
        var sa = Enumerable.Range(0, 8).Select(_ => a.NextUInt64()).ToList();
        Assert.Equal(sa, Enumerable.Range(0, 8).Select(_ => b.NextUInt64()));
        Assert.NotEqual(sa, Enumerable.Range(0, 8).Select(_ => c.NextUInt64()));
    }

    [Fact]
    public void NextInt_StaysInRange_AndCoversIt()
    {
        var r = new RandomSource(1);
        var seen = new HashSet<int>();
        for (int i = 0; i < 2000; i++)
        {
            int v = r.NextInt(-10, 10);
            Assert.InRange(v, -10, 9);
            seen.Add(v);
        }
        Assert.Equal(20, seen.Count);
    }

    [Fact]
    public void NextGaussian_HasUnitMoments()
    {
        var r = new RandomSource(2);
        var xs = Enumerable.Range(0, 20000).Select(_ => r.NextGaussian()).ToList();
        double mean = xs.Average();
        double sd = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / xs.Count);
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(sd, 0.97, 1.03);
    }

    [Fact]
    public void Permutation_IsAPermutation()
    {
        var p = new RandomSource(4).Permutation(50);
        Assert.Equal(Enumerable.Range(0, 50), p.Order());
    }

    [Fact]
    public void Seeds_ArePureFunctionsOfPosition()
    {
        Assert.Equal(Seeds.TorchSeed(0, "step", 1, 2, 3), Seeds.TorchSeed(0, "step", 1, 2, 3));
        Assert.NotEqual(Seeds.TorchSeed(0, "step", 1, 2, 3), Seeds.TorchSeed(0, "step", 1, 2, 4));
        Assert.NotEqual(Seeds.TorchSeed(0, "step", 1, 2, 3), Seeds.TorchSeed(1, "step", 1, 2, 3));
    }
}
