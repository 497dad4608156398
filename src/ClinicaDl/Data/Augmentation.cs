using ClinicaDl.Common;

namespace ClinicaDl.Data;

/// <summary><c>--data_augmentation</c> transforms (spec §3.6).</summary>
public enum AugmentationKind
{
    /// <summary>No transform (0.2.1 crashes on it; decision 12).</summary>
    None,
    /// <summary>σ ~ U(0, 0.1); add N(0, σ) to every voxel.</summary>
    Noise,
    /// <summary>torchvision RandomErasing defaults on the (1, X, Y, Z) tensor: a (Y, Z) rectangle across all X planes, p = 0.5.</summary>
    Erasing,
    /// <summary>Shift by integers in [−10, 9] per axis with zero fill, size unchanged.</summary>
    CropPad,
    /// <summary>Gaussian filter, σ ~ U(0, 1), truncate 4, reflect borders.</summary>
    Smoothing,
}

/// <summary>Applies the training transforms, in the order given, to a copy of a patch (never to the cache).</summary>
/// <remarks>Random parameters come from the injected generator, so a seed reproduces the same augmented batches.</remarks>
public sealed class Augmentation
{
    private readonly IReadOnlyList<AugmentationKind> kinds;

    /// <summary>Creates the pipeline; <see cref="AugmentationKind.None"/> entries are skipped.</summary>
    public Augmentation(IReadOnlyList<AugmentationKind> kinds) => this.kinds = kinds.Where(k => k != AugmentationKind.None).ToList();

    /// <summary>True when no transform would run.</summary>
    public bool IsIdentity => kinds.Count == 0;

    /// <summary>Transforms <paramref name="patch"/> (C order, shape X×Y×Z) in place.</summary>
    public void Apply(Span<float> patch, int[] shape, RandomSource rng)
    {
        foreach (var kind in kinds)
        {
            switch (kind)
            {
                case AugmentationKind.Noise: Noise(patch, rng); break;
                case AugmentationKind.Erasing: Erase(patch, shape, rng); break;
                case AugmentationKind.CropPad: CropPad(patch, shape, rng); break;
                case AugmentationKind.Smoothing: Smooth(patch, shape, rng.NextDouble()); break;
            }
        }
    }

    /// <summary>Transforms an element of <paramref name="channels"/> channels and spatial shape <paramref name="spatial"/>
    /// (C order, channels first) in place: a 3-D element of one channel as <see cref="Apply(Span{float}, int[], RandomSource)"/>,
    /// a 2-D one (a slice, (C, H, W)) as 0.2.1 transforms its (3, 224, 224) slices (spec modes §2.4).</summary>
    /// <remarks>On a 2-D element, <c>Noise</c> adds independent noise to every value of every channel; <c>Erasing</c> erases one
    /// (H, W) rectangle in all channels; <c>CropPad</c> draws two shifts, the first for W and the second for H;
    /// <c>Smoothing</c> filters the (C, H, W) array, channel axis included (identical channels stay identical).</remarks>
    /// <exception cref="ArgumentException">An element that is neither 3-D with one channel nor 2-D.</exception>
    public void Apply(Span<float> element, int channels, int[] spatial, RandomSource rng)
    {
        if (spatial.Length == 3 && channels == 1)
        {
            Apply(element, spatial, rng);
            return;
        }
        if (spatial.Length != 2)
            throw new ArgumentException($"augmentation takes 3-D elements of one channel or 2-D elements, not {channels}×{string.Join("×", spatial)}.", nameof(spatial));
        int[] shape = [channels, spatial[0], spatial[1]];
        foreach (var kind in kinds)
        {
            switch (kind)
            {
                case AugmentationKind.Noise: Noise(element, rng); break;
                case AugmentationKind.Erasing: Erase(element, shape, rng); break;
                case AugmentationKind.CropPad: CropPad2D(element, shape, rng); break;
                case AugmentationKind.Smoothing: Smooth(element, shape, rng.NextDouble()); break;
            }
        }
    }

    /// <summary>Shifts a (C, H, W) element by c0 ∈ [−10, 9] on W and c1 ∈ [−10, 9] on H, in every channel; out[i] = in[i + c], zeros outside.</summary>
    internal static void CropPad2D(Span<float> element, int[] shape, RandomSource rng)
    {
        int cw = rng.NextInt(-10, 10), ch = rng.NextInt(-10, 10);
        int channels = shape[0], h = shape[1], w = shape[2];
        var source = element.ToArray();
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
            {
                int sy = y + ch;
                for (int x = 0; x < w; x++)
                {
                    int sx = x + cw;
                    element[(c * h + y) * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? source[(c * h + sy) * w + sx] : 0f;
                }
            }
    }

    internal static void Noise(Span<float> patch, RandomSource rng)
    {
        double sigma = rng.NextDouble(0, 0.1);
        for (int i = 0; i < patch.Length; i++) patch[i] += (float)(sigma * rng.NextGaussian());
    }

    /// <summary>torchvision RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0) with H = Y, W = Z.</summary>
    internal static void Erase(Span<float> patch, int[] shape, RandomSource rng)
    {
        if (rng.NextDouble() >= 0.5) return;
        int nx = shape[0], h = shape[1], w = shape[2];
        double area = (double)h * w;
        double logLo = Math.Log(0.3), logHi = Math.Log(3.3);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double eraseArea = area * rng.NextDouble(0.02, 0.33);
            double aspect = Math.Exp(rng.NextDouble(logLo, logHi));
            int eh = (int)Math.Round(Math.Sqrt(eraseArea * aspect));
            int ew = (int)Math.Round(Math.Sqrt(eraseArea / aspect));
            if (!(eh < h && ew < w)) continue;
            int top = rng.NextInt(h - eh + 1), left = rng.NextInt(w - ew + 1);
            for (int x = 0; x < nx; x++)
                for (int y = top; y < top + eh; y++)
                    patch.Slice((x * h + y) * w + left, ew).Clear();
            return;
        }
    }

    /// <summary>Shifts by c ∈ [−10, 9] on each axis (c0 on Z, c1 on Y, c2 on X); out[i] = in[i + c], zeros outside.</summary>
    internal static void CropPad(Span<float> patch, int[] shape, RandomSource rng)
    {
        int cz = rng.NextInt(-10, 10), cy = rng.NextInt(-10, 10), cx = rng.NextInt(-10, 10);
        int nx = shape[0], ny = shape[1], nz = shape[2];
        var source = patch.ToArray();
        for (int x = 0; x < nx; x++)
        {
            int sx = x + cx;
            for (int y = 0; y < ny; y++)
            {
                int sy = y + cy;
                for (int z = 0; z < nz; z++)
                {
                    int sz = z + cz;
                    bool inside = sx >= 0 && sx < nx && sy >= 0 && sy < ny && sz >= 0 && sz < nz;
                    patch[(x * ny + y) * nz + z] = inside ? source[(sx * ny + sy) * nz + sz] : 0f;
                }
            }
        }
    }

    /// <summary>scipy.ndimage.gaussian_filter(sigma, truncate=4, mode='reflect') along X, Y and Z.</summary>
    internal static void Smooth(Span<float> patch, int[] shape, double sigma)
    {
        int radius = (int)(4.0 * sigma + 0.5);
        if (radius == 0) return;
        var weights = new double[2 * radius + 1];
        double sum = 0;
        for (int t = -radius; t <= radius; t++) sum += weights[t + radius] = Math.Exp(-0.5 * t * t / (sigma * sigma));
        for (int t = 0; t < weights.Length; t++) weights[t] /= sum;
        int nx = shape[0], ny = shape[1], nz = shape[2];
        int[] strides = [ny * nz, nz, 1];
        var buffer = patch.ToArray();
        for (int axis = 0; axis < 3; axis++)
        {
            int n = shape[axis], stride = strides[axis];
            var line = new double[n];
            // Every line along this axis: iterate the other two axes.
            int[] others = [.. Enumerable.Range(0, 3).Where(a => a != axis)];
            for (int a = 0; a < shape[others[0]]; a++)
                for (int b = 0; b < shape[others[1]]; b++)
                {
                    int start = a * strides[others[0]] + b * strides[others[1]];
                    for (int i = 0; i < n; i++) line[i] = buffer[start + i * stride];
                    for (int i = 0; i < n; i++)
                    {
                        double acc = 0;
                        for (int t = -radius; t <= radius; t++)
                            acc += weights[t + radius] * line[Reflect(i + t, n)];
                        buffer[start + i * stride] = (float)acc;
                    }
                }
        }
        buffer.CopyTo(patch);
    }

    /// <summary>scipy's 'reflect' (half-sample symmetric) boundary: d c b a | a b c d | d c b a.</summary>
    private static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * n;
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - 1 - i;
    }
}
