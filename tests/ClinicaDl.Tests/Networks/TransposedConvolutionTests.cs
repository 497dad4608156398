using ClinicaDl.Networks;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Networks;

public sealed class TransposedConvolutionTests
{
    /// <summary>The definition: every input voxel adds its value times the kernel around its place in the output, cropped by the padding.</summary>
    private static float[,,,,] Reference(float[,,,,] x, float[,,,,] w, float[] bias, int padding)
    {
        int b = x.GetLength(0), cin = x.GetLength(1), n0 = x.GetLength(2), n1 = x.GetLength(3), n2 = x.GetLength(4);
        int cout = w.GetLength(1), k = w.GetLength(2);
        int o0 = n0 + k - 1 - 2 * padding, o1 = n1 + k - 1 - 2 * padding, o2 = n2 + k - 1 - 2 * padding;
        var y = new float[b, cout, o0, o1, o2];
        for (int s = 0; s < b; s++)
            for (int co = 0; co < cout; co++)
            {
                for (int i = 0; i < o0; i++) for (int j = 0; j < o1; j++) for (int l = 0; l < o2; l++) y[s, co, i, j, l] = bias[co];
                for (int ci = 0; ci < cin; ci++)
                    for (int i = 0; i < n0; i++) for (int j = 0; j < n1; j++) for (int l = 0; l < n2; l++)
                        for (int a = 0; a < k; a++) for (int c = 0; c < k; c++) for (int d = 0; d < k; d++)
                        {
                            int p = i + a - padding, q = j + c - padding, r = l + d - padding;
                            if (p >= 0 && p < o0 && q >= 0 && q < o1 && r >= 0 && r < o2)
                                y[s, co, p, q, r] += x[s, ci, i, j, l] * w[ci, co, a, c, d];
                        }
            }
        return y;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Forward_IsTheDefinition_ForEverySampleOfABatch(int padding)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var layer = nn.ConvTranspose3d(3, 2, 3, padding: (long)padding);
        var x = randn(new long[] { 3, 3, 4, 5, 3 });
        var y = TransposedConvolution.Forward(layer, x);
        var expected = Reference((float[,,,,])x.data<float>().ToNDArray(), (float[,,,,])layer.weight!.detach().data<float>().ToNDArray(),
            layer.bias!.detach().data<float>().ToArray(), padding);
        var e = tensor(expected.Cast<float>().ToArray(), y.shape);
        Assert.True(y.detach().allclose(e, rtol: 1e-5, atol: 1e-5), $"largest difference {(y - e).abs().max().item<float>()}");
    }

    [Fact]
    public void Forward_GivesGradientsToWeightAndBias()
    {
        using var scope = NewDisposeScope();
        var layer = nn.ConvTranspose3d(2, 1, 3, padding: 1L);
        TransposedConvolution.Forward(layer, rand(new long[] { 2, 2, 4, 4, 4 })).sum().backward();
        Assert.True(layer.weight!.grad!.abs().sum().item<float>() > 0);
        Assert.Equal(2 * 64, layer.bias!.grad!.item<float>(), 3);
    }
}
