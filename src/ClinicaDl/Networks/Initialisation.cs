using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>A network that initialises some parameters its own way after PyTorch's defaults (ResNet-18's convolutions).</summary>
public interface ICustomInitialisation
{
    /// <summary>Draws those parameters from <paramref name="generator"/>, after the defaults are drawn.</summary>
    void Initialise(Generator generator);
}

/// <summary>PyTorch's default initialisation of a network, drawn from its own generator.</summary>
/// <remarks>
/// Constructing a network after <c>manual_seed(s)</c> draws from LibTorch's process-wide generator, which any other
/// thread can draw from in between. <see cref="Reset"/> draws the same values from a generator seeded with s: every
/// convolution, transposed convolution and linear layer in PyTorch's module order, its weight from U(±√3·gain/√fan_in) with
/// gain = √(2 / (1 + 5)) (<c>kaiming_uniform_(a=√5)</c>) and its bias from U(±1/√fan_in), then what the network draws
/// itself (<see cref="ICustomInitialisation"/>). BatchNorm layers draw nothing (weight 1, bias 0).
/// </remarks>
public static class Initialisation
{
    /// <summary>Redraws the parameters of <paramref name="model"/> from a generator seeded with <paramref name="seed"/>.</summary>
    public static void Reset(nn.Module model, long seed)
    {
        using var generator = new Generator(0);
        generator.manual_seed(seed);
        using var noGrad = no_grad();
        foreach (var module in PreOrder(model))
        {
            switch (module)
            {
                case Convolution conv:
                    Default(conv.weight!, conv.bias, generator);
                    break;
                case Linear linear:
                    Default(linear.weight!, linear.bias, generator);
                    break;
            }
        }
        if (model is ICustomInitialisation custom) custom.Initialise(generator);
    }

    /// <summary>A module and all its descendants in PyTorch's <c>modules()</c> order (depth first, each module before its
    /// children), which for our networks is the order of construction; TorchSharp's <c>modules()</c> lists all of a module's
    /// children before their descendants.</summary>
    public static IEnumerable<nn.Module> PreOrder(nn.Module module)
    {
        yield return module;
        foreach (var (_, child) in module.named_children())
            foreach (var descendant in PreOrder(child))
                yield return descendant;
    }

    private static void Default(Tensor weight, Tensor? bias, Generator generator)
    {
        double fanIn = FanIn(weight);
        double gain = Math.Sqrt(2.0 / (1 + Math.Pow(Math.Sqrt(5), 2)));
        double bound = Math.Sqrt(3.0) * (gain / Math.Sqrt(fanIn));
        weight.uniform_(-bound, bound, generator);
        if (bias is null) return;
        double biasBound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        bias.uniform_(-biasBound, biasBound, generator);
    }

    /// <summary>PyTorch's fan-in: size(1) times the product of the sizes after it.</summary>
    private static long FanIn(Tensor weight)
    {
        long fan = weight.shape[1];
        for (int d = 2; d < weight.shape.Length; d++) fan *= weight.shape[d];
        return fan;
    }
}
