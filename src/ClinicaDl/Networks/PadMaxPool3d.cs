using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>Max-pooling 2×2×2 / 2 that first pads each odd axis with one zero plane at its low end (spec §5.1).</summary>
/// <remarks>
/// Pads <c>p = (s − L mod s) mod s</c> planes at the start of each spatial axis, so the output side is
/// <c>ceil(L / 2)</c>. Has no parameters, so it adds no state-dict keys.
/// <para>Where the input is known to be non-negative (it comes out of a ReLU: <see cref="ConvFeatures"/>), the forward
/// pass does not build the padded copy: max-pooling with one implicit plane of −∞ at both ends of each odd axis has
/// the same windows (the high-end plane is never reached), and a window holding the low-end plane holds one real
/// value v ≥ 0, so max(0, v) = max(−∞, v) = v. Values are identical; a gradient differs only where v = 0 (padding or
/// v receives it), and the ReLU before passes none there either. That copy is the size of the block's activation
/// (400 MB per step for Conv5_FC3's first block at batch 2 on 169×208×179 images) and was held for the backward pass.</para>
/// </remarks>
public sealed class PadMaxPool3d : nn.Module<Tensor, Tensor>
{
    private readonly int kernel;
    private readonly int stride;

    /// <summary>Creates the pooling layer (ClinicaDL always uses kernel 2, stride 2).</summary>
    /// <param name="kernel">Window side.</param>
    /// <param name="stride">Step between windows.</param>
    /// <param name="nonNegativeInput">The input is never negative (a ReLU comes before): pool without building the padded copy (see the class).</param>
    public PadMaxPool3d(int kernel = 2, int stride = 2, bool nonNegativeInput = false) : base(nameof(PadMaxPool3d))
    {
        this.kernel = kernel;
        this.stride = stride;
        NonNegativeInput = nonNegativeInput && kernel == 2 && stride == 2;
    }

    /// <summary>Whether the forward pass relies on non-negative inputs to skip the padded copy.</summary>
    public bool NonNegativeInput { get; }

    /// <summary>The low-end padding of each spatial axis for an input of spatial shape <paramref name="spatial"/>.</summary>
    public long[] Padding(ReadOnlySpan<long> spatial)
    {
        var pad = new long[spatial.Length];
        for (int i = 0; i < spatial.Length; i++) pad[i] = (stride - spatial[i] % stride) % stride;
        return pad;
    }

    /// <summary>Output side for an input side <paramref name="side"/>.</summary>
    public static long OutputSide(long side, int stride = 2) => (side + stride - 1) / stride;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (!NonNegativeInput) return PoolWithIndices(input, withIndices: false).Output;
        var pad = Padding(input.shape.AsSpan(2));
        return nn.functional.max_pool3d(input, [kernel, kernel, kernel], [stride, stride, stride], pad);
    }

    /// <summary>Pools and, when <paramref name="withIndices"/>, also returns the argmax indices (flat within each padded channel volume) and the padding used.</summary>
    public (Tensor Output, Tensor? Indices, long[] Padding) PoolWithIndices(Tensor input, bool withIndices)
    {
        var pad = Padding(input.shape.AsSpan(2));
        using var scope = NewDisposeScope();
        Tensor padded = pad.Any(p => p > 0)
            ? nn.functional.pad(input, [pad[2], 0, pad[1], 0, pad[0], 0])
            : input.alias();
        if (!withIndices)
        {
            var pooled = nn.functional.max_pool3d(padded, [kernel, kernel, kernel], [stride, stride, stride]);
            return (pooled.MoveToOuterDisposeScope(), null, pad);
        }
        var (output, indices) = nn.functional.max_pool3d_with_indices(padded, [kernel, kernel, kernel], [stride, stride, stride]);
        return (output.MoveToOuterDisposeScope(), indices.MoveToOuterDisposeScope(), pad);
    }
}
