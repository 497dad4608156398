namespace ClinicaDl.Slices;

/// <summary>Pillow's 8-bit bilinear resize (<c>Image.resize(size, BILINEAR)</c>, what torchvision's <c>Resize</c> does to a
/// PIL image), bit for bit (spec §5.3).</summary>
/// <remarks>
/// Pillow's separable fixed-point convolution (<c>libImaging/Resample.c</c>): per output pixel, triangle-filter weights
/// over the input pixels within the support (1 input pixel, scaled up when shrinking), normalised to sum 1, then
/// rounded to integers of 22 fractional bits. The horizontal pass runs first and its result is rounded to 8 bits;
/// the vertical pass then runs on that image. An axis whose size does not change is not resampled.
/// </remarks>
public static class PillowBilinear
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes a single-channel 8-bit image (row-major, <paramref name="height"/> × <paramref name="width"/>)
    /// into <paramref name="output"/> (<paramref name="outHeight"/> × <paramref name="outWidth"/>).</summary>
    /// <exception cref="ArgumentException">A size is not positive or a buffer has the wrong length.</exception>
    public static void Resize(ReadOnlySpan<byte> input, int height, int width, Span<byte> output, int outHeight, int outWidth)
    {
        if (height < 1 || width < 1 || outHeight < 1 || outWidth < 1)
            throw new ArgumentException($"sizes must be positive: {height}×{width} → {outHeight}×{outWidth}.");
        if (input.Length != height * width || output.Length != outHeight * outWidth)
            throw new ArgumentException($"buffers of {input.Length} and {output.Length} bytes do not fit {height}×{width} → {outHeight}×{outWidth}.");

        byte[] rows;
        if (outWidth != width)
        {
            var h = Coefficients.For(width, outWidth);
            rows = new byte[height * outWidth];
            for (int y = 0; y < height; y++)
            {
                var line = input.Slice(y * width, width);
                for (int o = 0; o < outWidth; o++)
                {
                    int sum = 1 << (PrecisionBits - 1);
                    int lo = h.Lo[o], k0 = o * h.Stride;
                    for (int j = 0; j < h.Count[o]; j++)
                        sum += line[lo + j] * h.Weights[k0 + j];
                    rows[y * outWidth + o] = Clip8(sum);
                }
            }
        }
        else
        {
            rows = input.ToArray();
        }

        if (outHeight == height)
        {
            rows.CopyTo(output);
            return;
        }
        var v = Coefficients.For(height, outHeight);
        for (int o = 0; o < outHeight; o++)
        {
            int lo = v.Lo[o], k0 = o * v.Stride;
            for (int x = 0; x < outWidth; x++)
            {
                int sum = 1 << (PrecisionBits - 1);
                for (int j = 0; j < v.Count[o]; j++)
                    sum += rows[(lo + j) * outWidth + x] * v.Weights[k0 + j];
                output[o * outWidth + x] = Clip8(sum);
            }
        }
    }

    private static byte Clip8(int value)
    {
        if (value >= 1 << PrecisionBits << 8) return 255;
        if (value <= 0) return 0;
        return (byte)(value >> PrecisionBits);
    }

    /// <summary>Pillow's <c>precompute_coeffs</c> for the bilinear filter and <c>normalize_coeffs_8bpc</c>.</summary>
    private sealed class Coefficients
    {
        public required int[] Lo { get; init; }
        public required int[] Count { get; init; }
        public required int[] Weights { get; init; }
        public required int Stride { get; init; }

        public static Coefficients For(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = 1.0 * filterScale;
            int stride = (int)Math.Ceiling(support) * 2 + 1;
            var lo = new int[outSize];
            var count = new int[outSize];
            var weights = new int[outSize * stride];
            var w = new double[stride];
            for (int o = 0; o < outSize; o++)
            {
                double center = (o + 0.5) * scale;
                int min = Math.Max((int)(center - support + 0.5), 0);
                int max = Math.Min((int)(center + support + 0.5), inSize) - min;
                double total = 0;
                for (int j = 0; j < max; j++)
                {
                    w[j] = Triangle((j + min - center + 0.5) / filterScale);
                    total += w[j];
                }
                for (int j = 0; j < max; j++)
                {
                    double normalised = total != 0 ? w[j] / total : w[j];
                    weights[o * stride + j] = normalised < 0 ? (int)(-0.5 + normalised * (1 << PrecisionBits)) : (int)(0.5 + normalised * (1 << PrecisionBits));
                }
                lo[o] = min;
                count[o] = max;
            }
            return new Coefficients { Lo = lo, Count = count, Weights = weights, Stride = stride };
        }

        private static double Triangle(double x)
        {
            if (x < 0) x = -x;
            return x < 1 ? 1 - x : 0;
        }
    }
}
