using System.Numerics;

namespace ClinicaDl.Common;

/// <summary>CPython's <c>random.Random</c> (MT19937 and the helpers random search uses), so that a seeded search samples
/// exactly what <c>random.seed(s)</c> gives in ClinicaDL 0.2.1 (spec verbs Appendix C).</summary>
/// <remarks>
/// <c>random()</c> = <c>((u1 &gt;&gt; 5)·2^26 + (u2 &gt;&gt; 6)) / 2^53</c>; <c>getrandbits(k ≤ 32)</c> = <c>u &gt;&gt; (32 − k)</c>;
/// <c>_randbelow(n)</c> redraws <c>getrandbits(bit_length(n))</c> until it is below n; <c>seed(int)</c> is MT19937's
/// <c>init_by_array</c> on the 32-bit words of |seed|.
/// </remarks>
public sealed class PythonRandom
{
    private const int N = 624, M = 397;
    private readonly uint[] mt = new uint[N];
    private int index = N + 1;

    /// <summary>A generator in the state of <c>random.seed(<paramref name="seed"/>)</c>.</summary>
    public PythonRandom(BigInteger seed)
    {
        var n = BigInteger.Abs(seed);
        var key = new List<uint>();
        while (n > 0)
        {
            key.Add((uint)(n & uint.MaxValue));
            n >>= 32;
        }
        if (key.Count == 0) key.Add(0);
        InitByArray(key);
    }

    private void InitGenrand(uint s)
    {
        mt[0] = s;
        for (int i = 1; i < N; i++)
            mt[i] = unchecked(1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + (uint)i);
        index = N;
    }

    private void InitByArray(IReadOnlyList<uint> key)
    {
        InitGenrand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Count); k > 0; k--)
        {
            mt[i] = unchecked((mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j);
            i++; j++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
            if (j >= key.Count) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            mt[i] = unchecked((mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941u)) - (uint)i);
            i++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
        }
        mt[0] = 0x80000000u;
    }

    /// <summary>The next 32 random bits (MT19937 <c>genrand_uint32</c>).</summary>
    public uint NextUInt32()
    {
        if (index >= N)
        {
            for (int k = 0; k < N; k++)
            {
                uint y = (mt[k] & 0x80000000u) | (mt[(k + 1) % N] & 0x7fffffffu);
                mt[k] = mt[(k + M) % N] ^ (y >> 1) ^ ((y & 1u) != 0 ? 0x9908b0dfu : 0u);
            }
            index = 0;
        }
        uint x = mt[index++];
        x ^= x >> 11;
        x ^= (x << 7) & 0x9d2c5680u;
        x ^= (x << 15) & 0xefc60000u;
        x ^= x >> 18;
        return x;
    }

    /// <summary><c>random.getrandbits(k)</c> for 1 ≤ k ≤ 32.</summary>
    public uint GetRandBits(int k) => NextUInt32() >> (32 - k);

    /// <summary><c>random.random()</c>: a double in [0, 1) with 53 random bits.</summary>
    public double Random()
    {
        uint a = NextUInt32() >> 5, b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary><c>random._randbelow(n)</c>: a uniform integer in [0, n).</summary>
    public int RandBelow(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        int k = 32 - BitOperations.LeadingZeroCount((uint)n);
        uint r = GetRandBits(k);
        while (r >= (uint)n) r = GetRandBits(k);
        return (int)r;
    }

    /// <summary><c>random.randint(a, b)</c>: a uniform integer in [a, b].</summary>
    public int RandInt(int a, int b)
    {
        if (b < a) throw new ArgumentException($"empty range for randint({a}, {b})");
        return a + RandBelow(b - a + 1);
    }

    /// <summary><c>random.choice(items)</c>.</summary>
    public T Choice<T>(IReadOnlyList<T> items) => items[RandBelow(items.Count)];

    /// <summary><c>random.uniform(a, b)</c> = <c>a + (b − a)·random()</c>.</summary>
    public double Uniform(double a, double b) => a + (b - a) * Random();
}
