using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>The generators the networks' random layers draw from during training (<see cref="SeededDropout"/>,
/// VConv5_FC3's sampling): one per thread and device, reseeded by the trainer before each step.</summary>
/// <remarks>
/// LibTorch's default generator is one for the whole process: a step that seeds it and then draws its dropout masks
/// gets other masks when another thread draws from it in between (a second training in the same process, a library
/// user's own torch calls, the test runner's parallel tests). Generators of the thread keep a step's draws a function
/// of its seed alone, which is what makes a resumed run end as an uninterrupted one.
/// </remarks>
public static class LayerDraws
{
    /// <summary>LibTorch's default seed, used on a thread the trainer has not seeded.</summary>
    private const long DefaultSeed = 67280421310721;

    [ThreadStatic]
    private static Dictionary<string, Generator>? generators;

    [ThreadStatic]
    private static long? seed;

    /// <summary>This thread's generator for tensors on <paramref name="device"/> (a CUDA tensor needs a CUDA generator).</summary>
    public static Generator For(Device device)
    {
        generators ??= [];
        string key = device.ToString();
        if (!generators.TryGetValue(key, out var generator))
        {
            generator = new Generator(0, device);
            generator.manual_seed(seed ?? DefaultSeed);
            generators[key] = generator;
        }
        return generator;
    }

    /// <summary>Seeds this thread's generators: the draws that follow on this thread depend on <paramref name="value"/> only.</summary>
    public static void Seed(long value)
    {
        seed = value;
        foreach (var generator in generators?.Values ?? Enumerable.Empty<Generator>()) generator.manual_seed(value);
    }
}
