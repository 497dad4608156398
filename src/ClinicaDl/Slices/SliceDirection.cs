namespace ClinicaDl.Slices;

/// <summary>The axis along which slices are cut (<c>-sd/--slice_direction</c>, spec §5.1).</summary>
/// <remarks>The numeric values are ClinicaDL 0.2.1's option values and commandline.json values.</remarks>
public enum SliceDirection
{
    /// <summary>0: slice i is <c>image[0, i, :, :]</c>, of shape (Y, Z).</summary>
    Sagittal = 0,
    /// <summary>1: slice i is <c>image[0, :, i, :]</c>, of shape (X, Z).</summary>
    Coronal = 1,
    /// <summary>2: slice i is <c>image[0, :, :, i]</c>, of shape (X, Y).</summary>
    Axial = 2,
}

/// <summary>What each <see cref="SliceDirection"/> means for an image of shape (X, Y, Z).</summary>
public static class SliceDirections
{
    /// <summary>The tag in clinica's slice file names: <c>sag</c>, <c>cor</c> or <c>axi</c>.</summary>
    public static string Tag(this SliceDirection direction) => direction switch
    {
        SliceDirection.Sagittal => "sag",
        SliceDirection.Coronal => "cor",
        SliceDirection.Axial => "axi",
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "must be 0 (sagittal), 1 (coronal) or 2 (axial)."),
    };

    /// <summary>The image axis that is sliced (0 = X, 1 = Y, 2 = Z).</summary>
    public static int Axis(this SliceDirection direction) => direction switch
    {
        SliceDirection.Sagittal or SliceDirection.Coronal or SliceDirection.Axial => (int)direction,
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "must be 0 (sagittal), 1 (coronal) or 2 (axial)."),
    };

    /// <summary>The number of slices along the direction (L).</summary>
    public static int Length(this SliceDirection direction, IReadOnlyList<int> imageShape) => imageShape[direction.Axis()];

    /// <summary>The shape (H, W) of one slice: the two other axes in volume order.</summary>
    public static (int Height, int Width) SliceShape(this SliceDirection direction, IReadOnlyList<int> imageShape) => direction switch
    {
        SliceDirection.Sagittal => (imageShape[1], imageShape[2]),
        SliceDirection.Coronal => (imageShape[0], imageShape[2]),
        _ => (imageShape[0], imageShape[1]),
    };

    /// <summary>Parses an option value: 0, 1 or 2, nothing else (0.2.1 accepts negative values, spec M19).</summary>
    public static bool TryParse(int value, out SliceDirection direction)
    {
        direction = (SliceDirection)value;
        return value is >= 0 and <= 2;
    }
}
