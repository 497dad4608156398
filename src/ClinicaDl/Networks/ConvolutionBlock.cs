namespace ClinicaDl.Networks;

/// <summary>How a convolutional block of <see cref="RandomArchitecture"/> halves the spatial sides (spec verbs §3.6).</summary>
public enum DimensionReduction
{
    /// <summary><c>"MaxPooling"</c>: a stride-1 convolution then a padded 2×2 max-pooling.</summary>
    MaxPooling,
    /// <summary><c>"stride"</c>: a stride-2 convolution.</summary>
    Stride,
}

/// <summary>One entry <c>conv&lt;i&gt;</c> of the <c>convolutions</c> dictionary that random search samples and <c>commandline.json</c> records (spec verbs §3.5).</summary>
/// <param name="InChannels">Input channels, or null for the first block (the number of channels of the input).</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="NConv">Convolutions in the block (the last one changes the width and reduces the size).</param>
/// <param name="Reduction">How the block halves each spatial side.</param>
public sealed record ConvolutionBlock(int? InChannels, int OutChannels, int NConv, DimensionReduction Reduction)
{
    /// <summary>The JSON spelling of <paramref name="reduction"/> (<c>"MaxPooling"</c> or <c>"stride"</c>).</summary>
    public static string Name(DimensionReduction reduction) => reduction == DimensionReduction.MaxPooling ? "MaxPooling" : "stride";

    /// <summary>The reduction named <paramref name="name"/>, or null when it is neither <c>"MaxPooling"</c> nor <c>"stride"</c>.</summary>
    public static DimensionReduction? Parse(string? name) => name switch
    {
        "MaxPooling" => DimensionReduction.MaxPooling,
        "stride" => DimensionReduction.Stride,
        _ => null,
    };
}

/// <summary>The normalisation layer of <see cref="RandomArchitecture"/> (<c>network_normalization</c>).</summary>
public enum NetworkNormalization
{
    /// <summary>JSON <c>null</c>: no normalisation layer.</summary>
    None,
    /// <summary><c>"BatchNorm"</c>: affine BatchNorm with running statistics.</summary>
    BatchNorm,
    /// <summary><c>"InstanceNorm"</c>: InstanceNorm without affine parameters or running statistics (no state-dict entries).</summary>
    InstanceNorm,
}
