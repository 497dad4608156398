using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>PyTorch's <c>BatchNorm2d</c> / <c>BatchNorm3d</c> (eps 1e-5, momentum 0.1, affine, running statistics), with
/// the same parameters, buffers and state-dict keys as TorchSharp's, but a forward pass that passes no temporary
/// <see cref="TorchSharp.Scalar"/> (TorchSharp's increments <c>num_batches_tracked</c> with one: see <see cref="HeldScalars"/>).</summary>
public sealed class BatchNormalization : BatchNorm
{
    /// <summary>PyTorch's default momentum of the running statistics, the only one ClinicaDL's networks use.</summary>
    public const double Momentum = 0.1;

    /// <summary>PyTorch's default epsilon.</summary>
    public const double Epsilon = 1e-5;

    private readonly int spatialDimensions;

    private BatchNormalization(long features, int spatialDimensions)
        : base(features, Epsilon, Momentum, affine: true, track_running_stats: true, device: null, dtype: null, name: $"BatchNorm{spatialDimensions}d")
        => this.spatialDimensions = spatialDimensions;

    /// <summary>A <c>BatchNorm2d(features)</c>: input N×C×H×W.</summary>
    public static BatchNormalization Of2d(long features) => new(features, 2);

    /// <summary>A <c>BatchNorm3d(features)</c>: input N×C×D×H×W.</summary>
    public static BatchNormalization Of3d(long features) => new(features, 3);

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.dim() != spatialDimensions + 2)
            throw new ArgumentException($"BatchNorm{spatialDimensions}d expects a {spatialDimensions + 2}-D input, got {input.dim()}-D");
    }

    /// <summary>In training, normalises with the batch's statistics and updates the running ones (momentum 0.1) and
    /// <c>num_batches_tracked</c>; in evaluation, normalises with the running statistics.</summary>
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training && track_running_stats && num_batches_tracked is { } count)
            count.add_(HeldScalars.One, HeldScalars.One);
        bool batchStatistics = training || running_mean is null && running_var is null;
        bool passRunning = !training || track_running_stats;
        return nn.functional.batch_norm(input, passRunning ? running_mean : null, passRunning ? running_var : null,
            weight, bias, batchStatistics, Momentum, Epsilon);
    }
}
