namespace ClinicaDl.Common;

/// <summary>A small, seeded, platform-independent random number generator (xoshiro256**).</summary>
/// <remarks>
/// Every random choice in a run (initialisation excepted, which LibTorch's generator makes) comes from
/// a <see cref="RandomSource"/> derived from <c>--seed</c> and a stream name, so results do not depend on
/// the .NET version, on thread scheduling or on the order in which components are created
/// (DESIGN decision 5). The state can be saved and restored for <c>train resume</c>.
/// </remarks>
public sealed class RandomSource
{
    private ulong s0, s1, s2, s3;
    private double? spareGaussian;

    /// <summary>Creates the stream <paramref name="stream"/> of seed <paramref name="seed"/>.</summary>
    public RandomSource(long seed, string stream = "")
    {
        ulong x = unchecked((ulong)seed) ^ Fnv1a(stream);
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    /// <summary>64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>A uniform integer in [0, <paramref name="n"/>), without modulo bias.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "must be positive.");
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int min, int maxExclusive) => min + NextInt(maxExclusive - min);

    /// <summary>A standard normal value (Marsaglia's polar method).</summary>
    public double NextGaussian()
    {
        if (spareGaussian is double spare)
        {
            spareGaussian = null;
            return spare;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.Sqrt(-2 * Math.Log(s) / s);
        spareGaussian = v * m;
        return u * m;
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0..n−1.</summary>
    public int[] Permutation(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        Shuffle(p);
        return p;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv1a(string s)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (char c in s)
        {
            h ^= c;
            h *= 0x100000001b3UL;
        }
        return h;
    }
}
