using ClinicaDl.Data;
using ClinicaDl.Evaluation;
using ClinicaDl.Outputs;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>The end-of-training evaluation of a fold (spec §7.2–7.6): best models on train and validation, ROI- and image-level tables.</summary>
/// <remarks>
/// Every subset is evaluated in table order (decision 6), with each selection's best model read back from its
/// <c>model_best.pth.tar</c>. Image-level results are soft votes weighted by validation balanced accuracy
/// (decisions 2 and 3); with a single ROI the image-level files are the ROI-level ones (spec §7.6).
/// </remarks>
internal sealed class FoldEvaluator
{
    private readonly TrainRoiOptions options;
    private readonly ResultsTree tree;
    private readonly PatchCache cache;
    private readonly Device device;
    private readonly ITrainingObserver observer;

    public FoldEvaluator(TrainRoiOptions options, ResultsTree tree, PatchCache cache, Device device, ITrainingObserver observer)
    {
        this.options = options;
        this.tree = tree;
        this.cache = cache;
        this.device = device;
        this.observer = observer;
    }

    /// <summary>Evaluates the networks of a fold (one plan for cnn, one per ROI for multicnn) and writes the tables.</summary>
    public IReadOnlyList<SelectionSummary> Evaluate(int fold, IReadOnlyList<NetworkPlan> networks, Func<ITrainingTask> createTask, CancellationToken cancel)
    {
        bool withCohort = options.Data.MultiCohort;
        bool multi = networks.Count > 1 || networks[0].Id.Network is not null;
        int roiCount = cache.Rois.Count;
        var summaries = new List<SelectionSummary>();
        foreach (string selection in ResultsTree.Selections)
        {
            var results = new Dictionary<string, List<(int? Network, PassResult Result)>> { ["train"] = [], ["validation"] = [] };
            foreach (var plan in networks)
            {
                var task = createTask();
                string path = tree.BestModel(fold, plan.Id.Network, selection);
                var checkpoint = PyTorchFile.LoadCheckpoint(path);
                using (var scope = NewDisposeScope())
                    ModelState.LoadStrict(task.Model, ModelState.FromEntry(checkpoint.GetValueOrDefault("model"), path, "model"), path);
                results["train"].Add((plan.Id.Network, task.Evaluate(cache, plan.Train, options.EvalBatchSize, cancel)));
                results["validation"].Add((plan.Id.Network, task.Evaluate(cache, plan.Valid, options.EvalBatchSize, cancel)));
                task.Model.Dispose();
            }

            var validRows = results["validation"].SelectMany(r => r.Result.Rows).ToList();
            var weights = SoftVoting.ComputeWeights(validRows, options.SelectionThreshold);
            if (weights.FellBackToUniform && roiCount > 1)
                observer.Message(MessageLevel.Warning,
                    $"fold {fold}, {selection}: no ROI has a validation balanced accuracy above --selection_threshold {CommandLineRecord.Text(options.SelectionThreshold)}; soft voting weighs all ROIs equally.");

            foreach (string subset in ResultsTree.Subsets)
            {
                var parts = results[subset];
                var rows = parts.SelectMany(p => p.Result.Rows).ToList();
                ResultTables.WriteRoiPredictions(tree.Table(fold, selection, subset, "roi", "prediction"), rows, withCohort);
                ResultTables.WriteRoiMetrics(tree.Table(fold, selection, subset, "roi", "metrics"),
                    parts.Select(p => ResultTables.RoiMetricsRow(p.Result.Metrics!, p.Result.TotalLoss, multi ? p.Network : null)));

                BinaryMetrics imageMetrics;
                if (roiCount == 1)
                {
                    var single = parts[0].Result;
                    var images = rows.Select(r => new ImagePrediction(r.ParticipantId, r.SessionId, r.TrueLabel, r.PredictedLabel, r.Proba0, r.Proba1, r.Cohort)).ToList();
                    ResultTables.WriteImagePredictions(tree.Table(fold, selection, subset, "image", "prediction"), images, withCohort);
                    ResultTables.WriteSingleRoiImageMetrics(tree.Table(fold, selection, subset, "image", "metrics"), single.Metrics!, single.TotalLoss);
                    imageMetrics = single.Metrics!;
                }
                else
                {
                    var images = SoftVoting.Combine(rows, weights);
                    imageMetrics = BinaryMetrics.From(images.Select(i => i.TrueLabel).ToList(), images.Select(i => i.PredictedLabel).ToList());
                    ResultTables.WriteImagePredictions(tree.Table(fold, selection, subset, "image", "prediction"), images, withCohort);
                    ResultTables.WriteImageMetrics(tree.Table(fold, selection, subset, "image", "metrics"), imageMetrics);
                }
                if (subset == "validation")
                {
                    var roiMetrics = BinaryMetrics.From(rows.Select(r => r.TrueLabel).ToList(), rows.Select(r => r.PredictedLabel).ToList());
                    summaries.Add(new SelectionSummary(fold, selection, roiMetrics, imageMetrics));
                }
            }
        }
        return summaries;
    }
}
