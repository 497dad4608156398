using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>Weights a run copies into each network it trains from scratch, after the network's seeded initialisation
/// (slice mode: resnet18's ImageNet weights). Read and checked once per run, before anything is written, and held
/// until the run ends; networks that then load a checkpoint or a transfer-learning source do not need them.</summary>
public interface IInitialWeights : IDisposable
{
    /// <summary>Copies the weights into <paramref name="network"/>.</summary>
    void LoadInto(nn.Module<Tensor, Tensor> network);
}
