using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>The quality-check network of <c>clinicadl quality-check t1-linear</c> (verbs spec §7.1): Fonov et al.'s deep-qc
/// <c>ResNetQC(BasicBlock, [2, 2, 2, 2])</c>, with ClinicaDL 0.2.1's state-dict keys.</summary>
/// <remarks>
/// <code>
/// input (B, 1, 3, 224, 224) → (3B, 1, 224, 224): each of the three views is an image
/// conv1 7×7/2 pad 3 (1→64, no bias), bn1, ReLU, max-pool 3×3/2 pad 1
/// layer1..layer4: two BasicBlocks each (64, 128, 256, 512 planes; stride 2 and a 1×1 conv + BN downsample
///                 in the first block of layers 2–4)                                   → (3B, 512, 7, 7)
/// → (B, 1536, 7, 7): the three views' features side by side on channels
/// addon: 0 Conv1×1(1536→512) 1 BN 2 ReLU 3 Conv1×1(512→32) 4 BN 5 ReLU 6 Conv7×7(32→32) 7 BN 8 ReLU
///        9 Conv1×1(32→32) 10 BN 11 ReLU 12 Dropout2d(0.5) 13 Conv1×1(32→2)             → (B, 2) logits
/// </code>
/// 150 state-dict entries, 12,026,146 parameters. The weights come from a file (never initialised for use).
/// </remarks>
public sealed class ResNetQc : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNormalization bn1;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly Sequential addon;

    /// <summary>Creates the network (weights to be loaded).</summary>
    public ResNetQc() : base("ResNetQC")
    {
        conv1 = nn.Conv2d(1, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNormalization.Of2d(64);
        layer1 = BasicBlock.Layer(64, 64, 1);
        layer2 = BasicBlock.Layer(64, 128, 2);
        layer3 = BasicBlock.Layer(128, 256, 2);
        layer4 = BasicBlock.Layer(256, 512, 2);
        addon = nn.Sequential(
            nn.Conv2d(512 * 3, 512, 1), BatchNormalization.Of2d(512), nn.ReLU(),
            nn.Conv2d(512, 32, 1), BatchNormalization.Of2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 7), BatchNormalization.Of2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 1), BatchNormalization.Of2d(32), nn.ReLU(),
            nn.Dropout2d(0.5),
            nn.Conv2d(32, 2, 1));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0];
        var x = input.reshape(batch * 3, 1, input.shape[3], input.shape[4]);
        x = nn.functional.relu(bn1.call(conv1.call(x)));
        x = nn.functional.max_pool2d(x, 3, 2, 1);
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        x = x.reshape(batch, 512 * 3, x.shape[2], x.shape[3]);
        return addon.call(x).flatten(1).MoveToOuterDisposeScope();
    }
}
