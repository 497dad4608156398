using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>What the variational network returns (spec modes §3.2): the latent sample, the posterior's mean and standard deviation, and the logits.</summary>
/// <param name="Z">The latent vector: a sample of N(mu, std) in training mode, mu in evaluation mode. Shape (B, 1300).</param>
/// <param name="Mu">The posterior mean, (B, 1300).</param>
/// <param name="Std">The posterior standard deviation <c>exp(log_var / 2)</c>, (B, 1300).</param>
/// <param name="Logits">The classifier's output, (B, 2).</param>
public sealed record VariationalOutput(Tensor Z, Tensor Mu, Tensor Std, Tensor Logits);

/// <summary>ClinicaDL 0.2.1's variational whole-image classifier <c>VConv5_FC3</c> (spec modes §3.2, §3.5), with its exact state-dict keys.</summary>
/// <remarks>
/// <code>
/// features:   Conv5_FC3's five blocks (indices 0–19)
/// fc_mu:      0 Flatten  1 Linear(32256 → 1300)
/// fc_var:     0 Flatten  1 Linear(32256 → 1300)          (log-variance)
/// classifier: 0 Linear(1300 → 50)  1 ReLU  2 Linear(50 → 2)
/// </code>
/// 84,228,072 parameters; no dropout (<c>--dropout</c> is accepted and ignored, as in 0.2.1: M25). The plain
/// <see cref="forward"/> returns the logits, which in evaluation mode (z = mu) are deterministic; training uses
/// <see cref="ForwardVariational"/> and <see cref="KlDivergence"/>.
/// </remarks>
public sealed class VConv5Fc3 : nn.Module<Tensor, Tensor>, IMixedPrecisionForward
{
    private readonly Sequential features;
    private readonly Sequential fc_mu;
    private readonly Sequential fc_var;
    private readonly Sequential classifier;

    /// <summary>Creates the network with PyTorch's default initialisation.</summary>
    public VConv5Fc3() : base(Architecture.VConv5Fc3.Name)
    {
        var a = Architecture.VConv5Fc3;
        features = a.Features.Build();
        fc_mu = nn.Sequential(nn.Flatten(), nn.Linear(a.FlattenedSize, a.Hidden));
        fc_var = nn.Sequential(nn.Flatten(), nn.Linear(a.FlattenedSize, a.Hidden));
        classifier = nn.Sequential(nn.Linear(a.Hidden, 50), nn.ReLU(), nn.Linear(50, 2));
        RegisterComponents();
    }

    /// <summary>The convolutional part (<c>features.*</c>), also the encoder of the derived autoencoder.</summary>
    public Sequential Features => features;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return ForwardVariational(input).Logits.MoveToOuterDisposeScope();
    }

    /// <summary>The whole forward pass: latent sample (reparameterised, so gradients flow), mean, standard deviation and logits.</summary>
    public VariationalOutput ForwardVariational(Tensor input) => Run(input, null);

    /// <inheritdoc />
    public Tensor ForwardMixed(Tensor input, ScalarType half)
    {
        using var scope = NewDisposeScope();
        return Run(input, half).Logits.MoveToOuterDisposeScope();
    }

    /// <summary>The forward pass in mixed precision (<see cref="MixedPrecision"/>); every output is float32.</summary>
    public VariationalOutput ForwardVariationalMixed(Tensor input, ScalarType half) => Run(input, half);

    private VariationalOutput Run(Tensor input, ScalarType? half)
    {
        Tensor Apply(Sequential s, Tensor x) => MixedPrecision.Sequence(s, x, half).to(ScalarType.Float32);
        var h = Apply(features, input);
        var logVar = Apply(fc_var, h); // 0.2.1 computes log_var before mu
        var mu = Apply(fc_mu, h);
        var std = exp(logVar.div(HeldScalars.Two));
        var z = training ? mu.add(std * randn(std.shape, std.dtype, std.device, generator: LayerDraws.For(std.device)), HeldScalars.One) : mu;
        return new VariationalOutput(z, mu, std, Apply(classifier, z));
    }

    /// <summary>0.2.1's KL term (spec modes §3.5): Σ over the batch of the mean over latent dimensions of log q(z) − log p(z), with q = N(mu, std), p = N(0, 1), at the given z.</summary>
    /// <remarks>A Monte-Carlo estimate at the sampled z, not the closed form; the normalising constants cancel.</remarks>
    public static Tensor KlDivergence(VariationalOutput output)
    {
        var (z, mu, std) = (output.Z, output.Mu, output.Std);
        var two = HeldScalars.Two;
        var logQ = -(z - mu).pow(two) / std.pow(two).mul(two) - std.log();
        var logP = -z.pow(two).div(two);
        return (logQ - logP).mean([1]).sum();
    }
}
