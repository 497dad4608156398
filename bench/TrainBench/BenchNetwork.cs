using System.Globalization;
using ClinicaDl.Options;
using ClinicaDl.Slices;

namespace TrainBench;

/// <summary>What the compute-only limit builds: the network and the shape of one element.</summary>
internal enum ComputeKind
{
    /// <summary>Conv4_FC3 on 50³ elements (ROI and patch modes).</summary>
    Conv4Fc3,

    /// <summary>The Conv4_FC3 autoencoder on 50³ elements.</summary>
    AutoEncoder,

    /// <summary>resnet18 on 3×224×224 slices.</summary>
    ResNet18,

    /// <summary>Conv5_FC3 on the whole 169×208×179 image.</summary>
    Conv5Fc3,
}

/// <summary>A <c>--network</c> value of the <c>train</c> mode: the <c>clinicadl train</c> command it benchmarks, how many
/// networks it trains and elements each session gives, and what the compute-only limit runs for it.</summary>
/// <param name="Name">The <c>--network</c> value.</param>
/// <param name="Mode">The verb after <c>train</c> (roi, slice, image, patch).</param>
/// <param name="Network">cnn, multicnn or autoencoder.</param>
/// <param name="Model">MODEL.</param>
/// <param name="Extra">Mode options given to the CLI.</param>
/// <param name="Networks">Networks trained per fold (multicnn: one per element).</param>
/// <param name="PerSession">Elements each session gives to each network.</param>
/// <param name="Kind">The compute-only limit's network.</param>
/// <param name="Description">One line for the report.</param>
internal sealed record BenchNetwork(string Name, string Mode, string Network, string Model, string[] Extra, int Networks, int PerSession,
    ComputeKind Kind, string Description)
{
    /// <summary>Central sagittal slices per session in the slice benchmark unless <c>--slices</c> says otherwise: 5
    /// (resnet18 costs about 40 ms a slice on 2 cores; 0.2.1's default 129 makes an epoch of 20 sessions minutes long).</summary>
    internal const int DefaultSlices = 5;

    /// <summary>The sagittal extent of the generated images (169×208×179).</summary>
    private const int SagittalSize = 169;

    /// <summary>Default patch grid: 50³ at stride 50 gives 3 × 4 × 3 = 36 patches of a 169×208×179 image.</summary>
    private const int Patches = 36;

    public static readonly IReadOnlyList<BenchNetwork> All =
    [
        new("cnn", "roi", "cnn", "Conv4_FC3", [], 1, 2, ComputeKind.Conv4Fc3, "train roi cnn, default ROIs (2 × 50³)"),
        new("multicnn", "roi", "multicnn", "Conv4_FC3", [], 2, 1, ComputeKind.Conv4Fc3, "train roi multicnn, default ROIs (2 networks of 50³)"),
        new("autoencoder", "roi", "autoencoder", "Conv4_FC3", [], 1, 2, ComputeKind.AutoEncoder, "train roi autoencoder, default ROIs (2 × 50³)"),
        SliceCnn(DefaultSlices),
        new("image-cnn", "image", "cnn", "Conv5_FC3", [], 1, 1, ComputeKind.Conv5Fc3, "train image cnn Conv5_FC3 (one 169×208×179 image per session)"),
        new("patch-cnn", "patch", "cnn", "Conv4_FC3", [], 1, Patches, ComputeKind.Conv4Fc3, $"train patch cnn Conv4_FC3, default grid ({Patches} patches of 50³ per session)"),
        new("patch-multicnn", "patch", "multicnn", "Conv4_FC3", [], Patches, 1, ComputeKind.Conv4Fc3, $"train patch multicnn Conv4_FC3, default grid ({Patches} networks of 50³)"),
    ];

    /// <summary>The network called <paramref name="name"/>; for slice-cnn, with <paramref name="slices"/> central slices per session.</summary>
    public static BenchNetwork Find(string name, int slices = DefaultSlices)
    {
        var network = All.FirstOrDefault(n => n.Name == name)
            ?? throw new InvalidOperationException($"--network must be one of {string.Join(", ", All.Select(n => n.Name))}, not {name}");
        return network.Mode == "slice" ? SliceCnn(slices) : network;
    }

    /// <summary>train slice cnn resnet18 on the <paramref name="slices"/> central sagittal slices of each session.</summary>
    private static BenchNetwork SliceCnn(int slices)
    {
        if (slices < 1 || slices > SagittalSize - 40 || slices % 2 == 0)
            throw new InvalidOperationException($"--slices must be an odd number from 1 to {SagittalSize - 40}, not {slices}");
        int discarded = (SagittalSize - slices) / 2;
        return new("slice-cnn", "slice", "cnn", "resnet18", ["-sd", "0", "--discarded_slices", discarded.ToString(CultureInfo.InvariantCulture)], 1, slices,
            ComputeKind.ResNet18, $"train slice cnn resnet18, -sd 0 --discarded_slices {discarded} ({slices} slices of 3×224×224 per session)");
    }

    /// <summary>The slices discarded at each end (slice mode).</summary>
    private int Discarded => (SagittalSize - PerSession) / 2;

    /// <summary>The mode's options as the library reads them (for the decode timer: what a cache worker does per session).</summary>
    public ModeOptions ModeOptions() => Mode switch
    {
        "roi" => new RoiOptions(),
        "slice" => new SliceOptions(0, [Discarded]),
        "image" => new ImageOptions(),
        "patch" => new PatchOptions(),
        _ => throw new InvalidOperationException($"mode {Mode}"),
    };

    /// <summary>The library's network kind.</summary>
    public NetworkType Type => Network switch
    {
        "multicnn" => NetworkType.MultiCnn,
        "autoencoder" => NetworkType.Autoencoder,
        _ => NetworkType.Cnn,
    };
}
