namespace ClinicaDl.Training;

/// <summary>The paths of ClinicaDL 0.2.1's output tree (spec §7.1), plus our documented extras.</summary>
/// <remarks>
/// <code>
/// OUT/commandline.json  OUT/environment.txt
/// OUT/fold-i/split.tsv                                     (ours: the fold's train and validation sessions)
/// OUT/fold-i/training.tsv                                  (cnn, autoencoder)
/// OUT/fold-i/models[/cnn-k]/{best_balanced_accuracy,best_loss}/model_best.pth.tar
/// OUT/fold-i/models[/cnn-k]/{checkpoint,optimizer}.pth.tar (while training)
/// OUT/fold-i/tensorboard_logs[/cnn-k]/{train,validation}/events.out.tfevents.*
/// OUT/fold-i/tensorboard_logs/cnn-k/training.tsv           (multicnn: one per network, decision 8)
/// OUT/fold-i/cnn_classification/&lt;selection&gt;/&lt;subset&gt;_{roi,image}_level_{prediction,metrics}.tsv
/// OUT/fold-i/autoencoder_reconstruction/{train,validation}/{input,output}-k.nii.gz
/// OUT/training_summary.png  OUT/fold-i/training.png  OUT/fold-i/tensorboard_logs/cnn-k/training.png   (learning curves, ours: Plots.TrainingPlots)
/// </code>
/// </remarks>
public sealed record ResultsTree(string Root)
{
    /// <summary>The two selection metrics, in ClinicaDL's order.</summary>
    public static readonly IReadOnlyList<string> Selections = ["best_balanced_accuracy", "best_loss"];

    /// <summary>The two subsets evaluated at the end of training, in ClinicaDL's order.</summary>
    public static readonly IReadOnlyList<string> Subsets = ["train", "validation"];

    /// <summary><c>commandline.json</c>.</summary>
    public string CommandLineJson => Path.Combine(Root, "commandline.json");

    /// <summary><c>environment.txt</c>.</summary>
    public string EnvironmentTxt => Path.Combine(Root, "environment.txt");

    /// <summary>Scratch space for the patch cache's spill file.</summary>
    public string Scratch => Path.Combine(Root, ".scratch");

    /// <summary><c>fold-i</c>.</summary>
    public string Fold(int fold) => Path.Combine(Root, $"fold-{fold}");

    /// <summary><c>fold-i/split.tsv</c>: the sessions the fold trained and validated on (ours; read by classify's leak check and by resume).</summary>
    public string SplitTsv(int fold) => Path.Combine(Fold(fold), "split.tsv");

    /// <summary>The folder of a network's models: <c>fold-i/models</c> or <c>fold-i/models/cnn-k</c>.</summary>
    public string Models(int fold, int? network) => network is int k ? Path.Combine(Fold(fold), "models", $"cnn-{k}") : Path.Combine(Fold(fold), "models");

    /// <summary><c>model_best.pth.tar</c> of a selection.</summary>
    public string BestModel(int fold, int? network, string selection) => Path.Combine(Models(fold, network), selection, "model_best.pth.tar");

    /// <summary><c>checkpoint.pth.tar</c> (present while training).</summary>
    public string Checkpoint(int fold, int? network) => Path.Combine(Models(fold, network), "checkpoint.pth.tar");

    /// <summary><c>optimizer.pth.tar</c> (present while training).</summary>
    public string Optimizer(int fold, int? network) => Path.Combine(Models(fold, network), "optimizer.pth.tar");

    /// <summary>The TensorBoard folder of a network.</summary>
    public string TensorBoard(int fold, int? network) => network is int k ? Path.Combine(Fold(fold), "tensorboard_logs", $"cnn-{k}") : Path.Combine(Fold(fold), "tensorboard_logs");

    /// <summary>The network's <c>training.tsv</c>: <c>fold-i/training.tsv</c>, or <c>fold-i/tensorboard_logs/cnn-k/training.tsv</c> for multicnn.</summary>
    public string TrainingTsv(int fold, int? network) => network is null ? Path.Combine(Fold(fold), "training.tsv") : Path.Combine(TensorBoard(fold, network), "training.tsv");

    /// <summary><c>fold-i/cnn_classification/&lt;selection&gt;</c>.</summary>
    public string Classification(int fold, string selection) => Path.Combine(Fold(fold), "cnn_classification", selection);

    /// <summary>A result table: <c>&lt;prefix&gt;_&lt;level&gt;_level_&lt;kind&gt;.tsv</c>.</summary>
    public string Table(int fold, string selection, string prefix, string level, string kind)
        => Path.Combine(Classification(fold, selection), $"{prefix}_{level}_level_{kind}.tsv");

    /// <summary><c>fold-i/autoencoder_reconstruction/&lt;subset&gt;</c>.</summary>
    public string Reconstruction(int fold, string subset) => Path.Combine(Fold(fold), "autoencoder_reconstruction", subset);
}
