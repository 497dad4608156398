using ClinicaDl.Errors;
using ClinicaDl.Formats;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Outputs;
using static TorchSharp.torch;

namespace ClinicaDl.Networks;

/// <summary>Where resnet18's ImageNet weights come from: torchvision's file, found where PyTorch keeps it or given explicitly.</summary>
/// <remarks>
/// 0.2.1 downloads <c>resnet18-5c106cde.pth</c> through <c>torch.hub</c>, which first looks in
/// <c>$TORCH_HOME/hub/checkpoints/</c> (<c>TORCH_HOME</c> defaulting to <c>$XDG_CACHE_HOME/torch</c>, then
/// <c>~/.cache/torch</c>). Without the file and without network access it trains from random weights and only prints
/// "Error is: …" (spec M9). Here nothing is downloaded: the file is looked up in the same place (torchvision's newer
/// <c>resnet18-f37072fd.pth</c> is accepted there too), or given with <c>--imagenet_weights</c>; when there is none,
/// the run says so (a warning and a line in environment.txt) and starts from random weights.
/// </remarks>
/// <param name="Path">The weights file, or null for random initialisation.</param>
/// <param name="Explicit">True when the path was given on the command line.</param>
public sealed record ImageNetWeights(string? Path, bool Explicit)
{
    /// <summary>The file 0.2.1 asks torch.hub for.</summary>
    public const string FileName = "resnet18-5c106cde.pth";

    /// <summary>torchvision's later ResNet-18 ImageNet file (0.8 and on), accepted when <see cref="FileName"/> is absent.</summary>
    public const string NewerFileName = "resnet18-f37072fd.pth";

    /// <summary>True when training starts from random weights.</summary>
    public bool IsRandom => Path is null;

    /// <summary>The torch hub checkpoint folder for the given environment (<c>TORCH_HOME</c>, <c>XDG_CACHE_HOME</c>, home folder).</summary>
    public static string HubCheckpoints(Func<string, string?> environment)
    {
        string? torchHome = environment("TORCH_HOME");
        if (string.IsNullOrEmpty(torchHome))
        {
            string? cache = environment("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(cache))
                cache = System.IO.Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            torchHome = System.IO.Path.Combine(cache, "torch");
        }
        else if (torchHome.StartsWith('~'))
        {
            torchHome = (environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)) + torchHome[1..];
        }
        return System.IO.Path.Combine(torchHome, "hub", "checkpoints");
    }

    /// <summary>Finds the weights: <paramref name="explicitPath"/> when given (it must exist), else torch hub's cache.</summary>
    /// <exception cref="InvalidOptionException">The explicit file does not exist.</exception>
    public static ImageNetWeights Locate(string? explicitPath, Func<string, string?>? environment = null)
    {
        if (explicitPath is not null)
        {
            if (!File.Exists(explicitPath))
                throw new InvalidOptionException("--imagenet_weights", $"{explicitPath} does not exist; give torchvision's ResNet-18 ImageNet state dict ({FileName})");
            return new ImageNetWeights(System.IO.Path.GetFullPath(explicitPath), true);
        }
        string folder = HubCheckpoints(environment ?? Environment.GetEnvironmentVariable);
        foreach (string name in new[] { FileName, NewerFileName })
        {
            string candidate = System.IO.Path.Combine(folder, name);
            if (File.Exists(candidate))
                return new ImageNetWeights(candidate, false);
        }
        return new ImageNetWeights(null, false) { SearchedFolder = folder };
    }

    /// <summary>The hub folder searched when no file was found (for the warning).</summary>
    public string? SearchedFolder { get; init; }

    /// <summary>One line for the log and environment.txt.</summary>
    public string Describe() => Path is null
        ? $"resnet18 starts from RANDOM weights: no ImageNet weights ({FileName}) in {SearchedFolder} and no --imagenet_weights; conv1…layer3 stay frozen at random values, as in ClinicaDL 0.2.1 offline"
        : $"resnet18 starts from ImageNet weights {Path}";

    /// <summary>Reads and checks the weights file once (null for random initialisation); the result is copied into each new network.</summary>
    /// <exception cref="CheckpointException">The file is not a ResNet-18 state dict (missing or unexpected keys, wrong shapes).</exception>
    public IInitialWeights? Read() => Path is null ? null : ImageNetState.Read(Path);

    /// <summary>Loads the weights file into <paramref name="network"/> (nothing for random initialisation).</summary>
    /// <exception cref="CheckpointException">The file is not a ResNet-18 state dict (missing or unexpected keys, wrong shapes).</exception>
    public void LoadInto(ResNet18 network)
    {
        using var state = Read();
        state?.LoadInto(network);
    }

    /// <summary>torchvision's ResNet-18 state dict, checked against <see cref="ResNet18"/>'s keys and shapes, in memory.</summary>
    private sealed class ImageNetState : IInitialWeights
    {
        private readonly string path;
        private readonly Dictionary<string, Tensor> state;

        private ImageNetState(string path, Dictionary<string, Tensor> state)
        {
            this.path = path;
            this.state = state;
        }

        public static ImageNetState Read(string path)
        {
            using var scope = NewDisposeScope();
            var state = ReadStateDict(path);
            using var probe = new ResNet18();
            var target = probe.state_dict();
            var expected = target.Keys.Where(k => !k.StartsWith(ResNet18.AddedPrefix, StringComparison.Ordinal)).ToList();
            var missing = expected.Where(k => !state.ContainsKey(k) && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
            var unexpected = state.Keys.Where(k => !expected.Contains(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
                throw new CheckpointException(path,
                    $"is not torchvision's ResNet-18 state dict: missing keys [{List(missing)}], unexpected keys [{List(unexpected)}].");
            foreach (var (key, source) in state)
                if (!source.shape.SequenceEqual(target[key].shape))
                    throw new CheckpointException(path, $"\"{key}\" has shape ({string.Join(", ", source.shape)}); ResNet-18 needs ({string.Join(", ", target[key].shape)}).");
            foreach (var tensor in state.Values) tensor.DetachFromDisposeScope();
            return new ImageNetState(path, state);
        }

        public void LoadInto(nn.Module<Tensor, Tensor> network)
        {
            if (network is not ResNet18)
                throw new ArgumentException($"ImageNet weights ({path}) fit resnet18 only, not {network.GetType().Name}.", nameof(network));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var target = network.state_dict();
            foreach (var (key, source) in state)
                target[key].copy_(source.to(target[key].dtype));
        }

        public void Dispose()
        {
            foreach (var tensor in state.Values) tensor.Dispose();
            state.Clear();
        }
    }

    private static string List(IReadOnlyList<string> keys) => string.Join(", ", keys.Take(6)) + (keys.Count > 6 ? ", ..." : "");

    private static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        switch (PyTorchFile.Load(path))
        {
            case IReadOnlyDictionary<string, Tensor> stateDict:
                foreach (var (key, tensor) in stateDict)
                    result[key] = tensor;
                return result;
            case IReadOnlyDictionary<string, object?> dict when dict.Values.All(v => v is Tensor):
                foreach (var (key, value) in dict)
                    result[key] = (Tensor)value!;
                return result;
            default:
                throw new CheckpointException(path, "is not a state dict (a dict of tensors with string keys).");
        }
    }
}
