using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>The inverse of <see cref="PadMaxPool3d"/> (spec §5.3): max-unpool with the encoder's indices, then drop the padded low planes.</summary>
/// <remarks>
/// Each value returns to its recorded argmax position in the padded volume (zeros elsewhere; output side = 2 × input
/// side), then <c>out[:, :, px:, py:, pz:]</c> removes the planes the pooling had added. No parameters.
/// </remarks>
public sealed class CropMaxUnpool3d : nn.Module<Tensor, Tensor>
{
    private readonly int kernel;
    private readonly int stride;

    /// <summary>Creates the layer (ClinicaDL uses kernel 2, stride 2).</summary>
    public CropMaxUnpool3d(int kernel = 2, int stride = 2) : base(nameof(CropMaxUnpool3d))
    {
        this.kernel = kernel;
        this.stride = stride;
    }

    /// <summary>Not usable without indices; call <see cref="Unpool"/>.</summary>
    public override Tensor forward(Tensor input)
        => throw new InvalidOperationException("CropMaxUnpool3d needs the pooling indices and padding: call Unpool.");

    /// <summary>Unpools <paramref name="input"/> to the positions of <paramref name="indices"/>, then crops <paramref name="padding"/> low planes per axis.</summary>
    public Tensor Unpool(Tensor input, Tensor indices, long[] padding)
    {
        using var scope = NewDisposeScope();
        var shape = input.shape;
        long[] size = [(shape[2] - 1) * stride + kernel, (shape[3] - 1) * stride + kernel, (shape[4] - 1) * stride + kernel];
        // max_unpool3d by scatter: each value goes to its flat argmax index within its channel's padded volume.
        // (TorchSharp 0.107's max_unpool3d binding loses output_size, so it cannot restore odd padded sizes.)
        long b = shape[0], c = shape[1];
        var flat = zeros([b, c, size[0] * size[1] * size[2]], input.dtype, input.device)
            .scatter(2, indices.reshape(b, c, -1), input.reshape(b, c, -1));
        var output = flat.reshape(b, c, size[0], size[1], size[2]);
        var cropped = output[.., .., TensorIndex.Slice(padding[0]), TensorIndex.Slice(padding[1]), TensorIndex.Slice(padding[2])];
        return cropped.contiguous().MoveToOuterDisposeScope();
    }
}
