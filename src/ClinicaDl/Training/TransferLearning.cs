using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Initialising a network from an earlier training (<c>--transfer_learning_path</c>, spec §5.4, decision 8).</summary>
/// <remarks>
/// Fold i starts from the source's fold i. An autoencoder source gives its encoder to a CNN's <c>features</c>
/// (weights, biases and BatchNorm running statistics; the classifier stays at its default initialisation) or
/// its whole state to an autoencoder; a cnn source gives its whole state to a cnn or to every multicnn network;
/// a multicnn source gives network k to network k. A CNN source cannot initialise an autoencoder. Source folders
/// written by ClinicaDL 0.2.1 itself are accepted (its commandline.json and PyTorch checkpoints).
/// </remarks>
internal sealed class TransferLearning
{
    private readonly string root;
    private readonly NetworkKind source;
    private readonly NetworkKind target;
    private readonly string selection;

    private TransferLearning(string root, NetworkKind source, NetworkKind target, string selection)
    {
        this.root = root;
        this.source = source;
        this.target = target;
        this.selection = selection;
    }

    /// <summary>Checks the source folder for every fold to train and returns the transfer, or null without <c>--transfer_learning_path</c>.</summary>
    /// <exception cref="InvalidOptionException">An incompatible source network.</exception>
    /// <exception cref="CheckpointException">A missing or unreadable source file, or weights that do not fit the target network.</exception>
    public static TransferLearning? Plan(TrainOptions o, IEnumerable<int> folds, int roiCount, IReadOnlyList<int> elementShape)
    {
        if (o.Transfer.Path is not string path) return null;
        const string option = "--transfer_learning_path";
        if (File.Exists(path))
            throw new InvalidOptionException(option, "a results folder of clinicadl train (not a file)", path);
        if (!Directory.Exists(path))
            throw new InvalidOptionException(option, "an existing results folder of clinicadl train", path);
        var recorded = CommandLineRecord.Read(Path.Combine(path, "commandline.json"), path);
        var source = recorded.NetworkKind;
        if (o.NetworkKind.TransferRefusal(source, recorded.Mode.ElementCount, roiCount) is string expected)
            throw new InvalidOptionException(option, expected, path);
        string selection = source.FixedSelection ?? o.Transfer.Selection;
        var transfer = new TransferLearning(path, source, o.NetworkKind, selection);
        foreach (int fold in folds)
            foreach (int? network in o.NetworkKind.NetworkIds(roiCount))
            {
                using var scope = NewDisposeScope();
                using var model = NetworkFactory.Create(o, elementShape);
                transfer.Apply(model, fold, network); // loads and checks keys and shapes now, not hours into the run
            }
        return transfer;
    }

    /// <summary>The source file fold <paramref name="fold"/> (network <paramref name="network"/>) starts from.</summary>
    public string SourceFile(int fold, int? network)
    {
        var tree = new ResultsTree(root);
        int? sourceNetwork = source.SourceNetwork(network);
        return tree.BestModel(fold, sourceNetwork, selection);
    }

    /// <summary>Copies the source weights of fold <paramref name="fold"/> into <paramref name="model"/>.</summary>
    public void Apply(nn.Module<Tensor, Tensor> model, int fold, int? network)
    {
        string file = SourceFile(fold, network);
        if (!File.Exists(file))
            throw new CheckpointException(file, $"not found: --transfer_learning_path has no {selection} model for fold {fold}{(network is int k ? $", network cnn-{k}" : "")}.");
        var checkpoint = PyTorchFile.LoadCheckpoint(file);
        var state = ModelState.FromEntry(checkpoint.GetValueOrDefault("model"), file, "model");
        if (source.GivesEncoderOnly(target))
        {
            // The encoder becomes the CNN's features: same layers, same indices.
            var encoder = state.Where(kv => kv.Key.StartsWith("encoder.", StringComparison.Ordinal))
                .Select(kv => new KeyValuePair<string, Tensor>("features." + kv.Key["encoder.".Length..], kv.Value)).ToList();
            var features = model.state_dict().Where(kv => kv.Key.StartsWith("features.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
            var missing = features.Keys.Except(encoder.Select(kv => kv.Key)).ToList();
            if (missing.Count > 0 || encoder.Count != features.Count)
                throw new CheckpointException(file, $"its encoder does not match the network's features (missing {string.Join(", ", missing.Take(5))}).");
            foreach (var (key, tensor) in encoder)
                if (!tensor.shape.SequenceEqual(features[key].shape))
                    throw new CheckpointException(file, $"\"{key.Replace("features.", "encoder.", StringComparison.Ordinal)}\" has shape ({string.Join(", ", tensor.shape)}); the network needs ({string.Join(", ", features[key].shape)}).");
            ModelState.Copy(model, encoder);
            return;
        }
        ModelState.LoadStrict(model, state, file);
    }
}
