using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>The forward passes shared by the networks made of a <c>features</c> part followed by a <c>classifier</c> (Conv4_FC3, the image CNNs, RandomArchitecture).</summary>
internal static class FeaturesThenClassifier
{
    /// <summary>The ordinary float32 forward pass.</summary>
    public static Tensor Forward(Sequential features, Sequential classifier, Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = MixedPrecision.Sequence(features, input, null);
        return MixedPrecision.Sequence(classifier, x, null).MoveToOuterDisposeScope();
    }

    /// <summary>The forward pass in mixed precision (<see cref="MixedPrecision"/>); the logits come out in float32.</summary>
    public static Tensor ForwardMixed(Sequential features, Sequential classifier, Tensor input, ScalarType half)
    {
        using var scope = NewDisposeScope();
        var x = MixedPrecision.Sequence(features, input, half);
        return MixedPrecision.Sequence(classifier, x, half).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
