using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>ClinicaDL 0.2.1's slice network <c>resnet18</c> (spec §5.4): torchvision's ResNet-18 with its 1000-way ImageNet
/// head kept, then a dropout and a new <c>fc_out</c> Linear(1000→2) appended; torchvision's state-dict keys.</summary>
/// <remarks>
/// <code>
/// conv1 Conv2d(3,64,7,s2,p3) bn1 relu maxpool(3,s2,p1)            → 64×56×56 for 3×224×224
/// layer1..layer4: 2 BasicBlocks each (64, 128, 256, 512; stride 2 and a 1×1 downsample from layer2 on) → 512×7×7
/// avgpool(7,s1) → flatten 512 → fc Linear(512,1000) → drop_out → fc_out Linear(1000,2) (raw logits)
/// </code>
/// 124 state-dict entries, 11,691,514 parameters. Initialisation as 0.2.1's <c>ResNetDesigner</c>: convolutions
/// N(0, √(2 / (k·k·out))), BatchNorm γ = 1, β = 0, Linear layers PyTorch's default. Then, as 0.2.1 does, everything
/// but <c>layer4</c>, <c>fc</c> and <c>fc_out</c> is frozen (<see cref="Freeze"/>): 8,908,730 trainable parameters. Frozen
/// BatchNorm layers still update their running statistics in training mode (spec M10, mirrored).
/// </remarks>
public sealed class ResNet18 : nn.Module<Tensor, Tensor>, ICustomInitialisation
{
    /// <summary>The network's name as ClinicaDL's MODEL argument spells it.</summary>
    public const string ModelName = "resnet18";

    /// <summary>Side of the square input the network accepts (193..224 would pass; the slice transform always gives 224).</summary>
    public const int InputSide = 224;

    // Field names are torchvision's state-dict keys, declared in its registration order.
#pragma warning disable IDE1006, SA1306 // PyTorch key names
    private readonly Conv2d conv1;
    private readonly BatchNormalization bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AvgPool2d avgpool;
    private readonly Linear fc;
    private readonly SeededDropout drop_out;
    private readonly Linear fc_out;
#pragma warning restore IDE1006, SA1306

    /// <summary>Builds the network with ClinicaDL's initialisation and freezing; <paramref name="dropout"/> is <c>--dropout</c>.</summary>
    public ResNet18(double dropout = 0) : base(ModelName)
    {
        conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNormalization.Of2d(64);
        relu = nn.ReLU();
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        layer1 = BasicBlock.Layer(64, 64, 1);
        layer2 = BasicBlock.Layer(64, 128, 2);
        layer3 = BasicBlock.Layer(128, 256, 2);
        layer4 = BasicBlock.Layer(256, 512, 2);
        avgpool = nn.AvgPool2d(7, stride: 1);
        fc = nn.Linear(512, 1000);
        drop_out = new SeededDropout(dropout);
        fc_out = nn.Linear(1000, 2);
        RegisterComponents();
        Draw(null);
        Freeze();
    }

    /// <summary>The prefixes of the parameters that train; every other parameter is frozen.</summary>
    public static readonly IReadOnlyList<string> TrainablePrefixes = ["layer4.", "fc.", "fc_out."];

    /// <summary>The keys of a torchvision ResNet-18 (<c>resnet18-5c106cde.pth</c>) are these minus the ones starting with this.</summary>
    public const string AddedPrefix = "fc_out.";

    /// <inheritdoc />
    public void Initialise(Generator generator) => Draw(generator);

    /// <summary>0.2.1's initialisation: convolutions from N(0, 2/n), BatchNorm 1 and 0; from LibTorch's generator when <paramref name="generator"/> is null.</summary>
    private void Draw(Generator? generator)
    {
        using var noGrad = no_grad();
        foreach (var module in Initialisation.PreOrder(this))
        {
            switch (module)
            {
                case Conv2d conv:
                    var k = conv.weight!.shape;
                    // Tensor.normal_, not nn.init.normal_: TorchSharp 0.107's init.normal_ draws other values when given a generator.
                    conv.weight.normal_(0, Math.Sqrt(2.0 / (k[2] * k[3] * k[0])), generator);
                    break;
                case BatchNormalization bn:
                    nn.init.ones_(bn.weight!);
                    nn.init.zeros_(bn.bias!);
                    break;
            }
        }
    }

    /// <summary>Freezes every parameter but <c>layer4.*</c>, <c>fc.*</c> and <c>fc_out.*</c>, as 0.2.1 does after loading ImageNet weights.</summary>
    public void Freeze()
    {
        foreach (var (name, parameter) in named_parameters())
            parameter.requires_grad = TrainablePrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
    }

    /// <summary>The parameters the optimizer receives (those not frozen).</summary>
    public IEnumerable<Parameter> TrainableParameters() => parameters().Where(p => p.requires_grad);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.call(relu.call(bn1.call(conv1.call(input))));
        x = layer4.call(layer3.call(layer2.call(layer1.call(x))));
        x = avgpool.call(x);
        x = x.view(x.shape[0], -1);
        return fc_out.call(drop_out.call(fc.call(x))).MoveToOuterDisposeScope();
    }
}
