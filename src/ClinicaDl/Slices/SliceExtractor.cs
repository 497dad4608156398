using ClinicaDl.Elements;

namespace ClinicaDl.Slices;

/// <summary>Cuts 2-D slices from an image and prepares them as ClinicaDL 0.2.1 feeds them to resnet18 (spec §5.2–5.3); pure functions.</summary>
/// <remarks>
/// <para>
/// Images are stored with x fastest (NIfTI order). A slice comes out row-major (H, W) with H, W the two other axes in
/// volume order, as <c>image[0, i, :, :]</c> (sagittal), <c>image[0, :, i, :]</c> (coronal), <c>image[0, :, :, i]</c>
/// (axial) would in PyTorch.
/// </para>
/// <para>
/// 0.2.1's transform is: stack the slice 3 times → min-max over the slice → <c>ToPILImage</c> (×255, truncated to
/// uint8) → Pillow bilinear <c>Resize((224, 224))</c> → <c>ToTensor</c> (÷255). The three channels stay identical, so one
/// 224×224 uint8 plane holds the whole result exactly: the network input is <c>plane / 255</c> in each of 3 channels.
/// A constant slice (0.2.1: NaN, spec M30) becomes zeros (DESIGN decision 11).
/// </para>
/// </remarks>
public static class SliceExtractor
{
    /// <summary>The side of the network input (torchvision's <c>Resize((224, 224))</c>).</summary>
    public const int Side = 224;

    /// <summary>Number of values in one prepared plane (224 × 224).</summary>
    public const int PlaneSize = Side * Side;

    /// <summary>Copies slice <paramref name="index"/> along <paramref name="direction"/> into <paramref name="slice"/> (row-major H × W).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside the image.</exception>
    /// <exception cref="ArgumentException">The destination does not hold H × W values.</exception>
    public static void Cut(ReadOnlySpan<float> image, IReadOnlyList<int> shape, SliceDirection direction, int index, Span<float> slice)
    {
        int nx = shape[0], ny = shape[1], nz = shape[2];
        if (index < 0 || index >= direction.Length(shape))
            throw new ArgumentOutOfRangeException(nameof(index), index, $"slice index outside 0..{direction.Length(shape) - 1}.");
        var (h, w) = direction.SliceShape(shape);
        if (slice.Length != h * w)
            throw new ArgumentException($"slice buffer holds {slice.Length} values; {h}×{w} are needed.", nameof(slice));
        switch (direction)
        {
            case SliceDirection.Sagittal: // [y, z] = (index, y, z)
                for (int y = 0; y < ny; y++)
                    for (int z = 0; z < nz; z++)
                        slice[y * nz + z] = image[index + nx * (y + ny * z)];
                break;
            case SliceDirection.Coronal: // [x, z] = (x, index, z)
                for (int x = 0; x < nx; x++)
                    for (int z = 0; z < nz; z++)
                        slice[x * nz + z] = image[x + nx * (index + ny * z)];
                break;
            default: // axial: [x, y] = (x, y, index)
                for (int x = 0; x < nx; x++)
                    for (int y = 0; y < ny; y++)
                        slice[x * ny + y] = image[x + nx * (y + ny * index)];
                break;
        }
    }

    /// <summary>Cuts, normalises, quantises and resizes slice <paramref name="index"/> into a 224×224 uint8 plane.</summary>
    /// <returns>False when the slice was constant and became zeros (decision 11), so the caller can warn once.</returns>
    public static bool Prepare(ReadOnlySpan<float> image, IReadOnlyList<int> shape, SliceDirection direction, int index, Span<byte> plane)
    {
        var (h, w) = direction.SliceShape(shape);
        var slice = new float[h * w];
        Cut(image, shape, direction, index, slice);
        bool varied = RoiExtractor.MinMaxNormalise(slice);
        ResizeNormalised(slice, h, w, plane);
        return varied;
    }

    /// <summary>Quantises a slice normalised to [0, 1] as <c>ToPILImage</c> does (×255 in float32, truncated) and resizes it
    /// to 224×224 as <c>Resize((224, 224))</c> does; <paramref name="plane"/> receives the uint8 values.</summary>
    /// <exception cref="ArgumentException">A value is outside [0, 1] or not a number (the cast would be undefined).</exception>
    public static void ResizeNormalised(ReadOnlySpan<float> slice, int height, int width, Span<byte> plane)
    {
        var bytes = new byte[slice.Length];
        for (int i = 0; i < slice.Length; i++)
        {
            float v = slice[i];
            if (!(v >= 0f && v <= 1f))
                throw new ArgumentException($"slice value {v} at {i} is outside [0, 1].", nameof(slice));
            bytes[i] = (byte)(v * 255f);
        }
        PillowBilinear.Resize(bytes, height, width, plane, Side, Side);
    }

    /// <summary>Number of values of one network input (3 × 224 × 224).</summary>
    public const int InputSize = 3 * PlaneSize;

    /// <summary>Writes the network input of a prepared plane, as <c>ToTensor</c> gives it: float32 k / 255, three identical
    /// channels, (3, 224, 224) in C order.</summary>
    /// <exception cref="ArgumentException">The plane or the destination has the wrong length.</exception>
    public static void ToInput(ReadOnlySpan<byte> plane, Span<float> input)
    {
        if (plane.Length != PlaneSize || input.Length != InputSize)
            throw new ArgumentException($"a {PlaneSize}-byte plane gives {InputSize} values; got {plane.Length} and {input.Length}.");
        var first = input[..PlaneSize];
        for (int i = 0; i < PlaneSize; i++) first[i] = plane[i] / 255f;
        first.CopyTo(input.Slice(PlaneSize, PlaneSize));
        first.CopyTo(input.Slice(2 * PlaneSize, PlaneSize));
    }

    /// <summary>The network input value of a prepared plane's byte, as <c>ToTensor</c> computes it (float32 k / 255).</summary>
    public static float ToTensorValue(byte value) => value / 255f;
}
