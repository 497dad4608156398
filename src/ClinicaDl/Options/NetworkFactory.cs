using ClinicaDl.Errors;
using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Options;

/// <summary>The one model factory: (mode's MODEL, network kind, element shape) → a fresh network with PyTorch's default
/// initialisation (seed LibTorch's generator first for reproducible weights). Training, classify, transfer learning and
/// interpret all build their networks here.</summary>
internal static class NetworkFactory
{
    /// <summary>The network of <paramref name="o"/> for elements (of the mode's channels) of spatial shape <paramref name="elementShape"/>:
    /// the autoencoder derived from MODEL, the random-search job's <see cref="RandomArchitecture"/>, or MODEL's classifier.</summary>
    public static nn.Module<Tensor, Tensor> Create(TrainOptions o, IReadOnlyList<int> elementShape)
    {
        if (o.Mode.CreateNetwork(o) is { } own) return own;
        return o.NetworkKind.Create(o, () => ArchitectureOf(o), elementShape);
    }

    /// <summary>Why the network of <paramref name="o"/> cannot take elements of spatial shape <paramref name="elementShape"/>, or null when it can.</summary>
    public static string? FitProblem(TrainOptions o, IReadOnlyList<int> elementShape)
    {
        if (o.Architecture is not null) return null; // sized for its input
        if (o.Mode.Models.Contains(ResNet18.ModelName)) return null; // every slice is resized to the 224×224 it takes
        return o.NetworkKind.FitProblem(ArchitectureOf(o), elementShape);
    }

    private static Architecture ArchitectureOf(TrainOptions o) => Architecture.Find(o.Model)
        ?? throw new InvalidOptionException("MODEL", string.Join(", ", o.Mode.Models), o.Model);
}
