using ClinicaDl.Elements;
using ClinicaDl.Data;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Outputs;

/// <summary>One network's elements to evaluate: the single cnn (<c>Network = null</c>) or multicnn network k (ROI k only).</summary>
internal sealed record EvaluationPart(int? Network, IReadOnlyList<ElementSample> Elements);

/// <summary>Evaluates a fold's best models and writes ClinicaDL's result tables (spec §7.2–7.6); used by training and by classify.</summary>
/// <remarks>
/// Every subset is evaluated in table order (decision 6), with each selection's best model read back from its
/// <c>model_best.pth.tar</c>. Image-level results are soft votes weighted by validation balanced accuracy
/// (decisions 2 and 3); with a single ROI the image-level files are the ROI-level ones (spec §7.6).
/// </remarks>
internal sealed class FoldEvaluator(ResultsTree tree, PatchCache cache, int evalBatchSize, bool withCohort, double selectionThreshold, ITrainingObserver observer)
{
    /// <summary>The end-of-training evaluation: train and validation subsets, both selections; returns the validation summaries.</summary>
    public IReadOnlyList<SelectionSummary> EvaluateTraining(int fold, IReadOnlyList<NetworkPlan> networks, Func<ITrainingTask> createTask, CancellationToken cancel)
    {
        var summaries = new List<SelectionSummary>();
        foreach (string selection in ResultsTree.Selections)
        {
            var valid = Evaluate(fold, selection, networks.Select(n => new EvaluationPart(n.Id.Network, n.Valid)).ToList(), createTask, cancel);
            var train = Evaluate(fold, selection, networks.Select(n => new EvaluationPart(n.Id.Network, n.Train)).ToList(), createTask, cancel);
            var weights = Weights(fold, selection, valid.SelectMany(p => p.Result.Rows).ToList());
            Write(fold, selection, "train", train, weights, labelled: true);
            var validImage = Write(fold, selection, "validation", valid, weights, labelled: true);
            var rows = valid.SelectMany(p => p.Result.Rows).ToList();
            summaries.Add(new SelectionSummary(fold, selection, Metrics(rows), validImage!));
        }
        return summaries;
    }

    /// <summary>Evaluates each part with its network's best model of <paramref name="selection"/>.</summary>
    public List<(int? Network, PassResult Result)> Evaluate(int fold, string selection, IReadOnlyList<EvaluationPart> parts, Func<ITrainingTask> createTask, CancellationToken cancel)
    {
        var results = new List<(int?, PassResult)>();
        foreach (var part in parts)
        {
            var task = createTask();
            try
            {
                string path = tree.BestModel(fold, part.Network, selection);
                var checkpoint = PyTorchFile.LoadCheckpoint(path);
                using (NewDisposeScope())
                    ModelState.LoadStrict(task.Model, ModelState.FromEntry(checkpoint.GetValueOrDefault("model"), path, "model"), path);
                results.Add((part.Network, task.Evaluate(cache, part.Elements, evalBatchSize, cancel)));
            }
            finally
            {
                task.Model.Dispose();
            }
        }
        return results;
    }

    /// <summary>Soft-voting weights from validation ROI predictions (decision 2), warning when none passes the threshold.</summary>
    public SoftVoting.Weights Weights(int fold, string selection, IReadOnlyList<RoiPrediction> validation)
    {
        var weights = SoftVoting.ComputeWeights(validation, selectionThreshold);
        if (weights.FellBackToUniform && cache.Elements.Count > 1)
            observer.Message(MessageLevel.Warning,
                $"fold {fold}, {selection}: no ROI has a validation balanced accuracy above --selection_threshold {CommandLineRecord.Text(selectionThreshold)}; soft voting weighs all ROIs equally.");
        return weights;
    }

    /// <summary>Writes <c>&lt;prefix&gt;_{roi,image}_level_{prediction,metrics}.tsv</c> (metrics only when <paramref name="labelled"/>); returns the image-level metrics.</summary>
    public BinaryMetrics? Write(int fold, string selection, string prefix, IReadOnlyList<(int? Network, PassResult Result)> parts, SoftVoting.Weights weights, bool labelled)
    {
        bool multi = parts.Any(p => p.Network is not null);
        bool wholeImage = cache.Elements.IsWholeImage(); // image mode: the image-level files only (spec modes §3.5)
        var rows = parts.SelectMany(p => p.Result.Rows).ToList();
        var elements = cache.Elements;
        if (!wholeImage)
            ResultTables.WriteRoiPredictions(tree.Table(fold, selection, prefix, elements.Level, "prediction"), rows, withCohort, elements.Level);
        if (labelled && !wholeImage)
            ResultTables.WriteRoiMetrics(tree.Table(fold, selection, prefix, elements.Level, "metrics"),
                parts.Select(p => ResultTables.RoiMetricsRow(p.Result.Metrics!, p.Result.TotalLoss, multi && p.Network is int k ? elements.Id(k) : null)), elements.Level);

        IReadOnlyList<ImagePrediction> images;
        if (cache.Elements.Count == 1)
            images = rows.Select(r => new ImagePrediction(r.ParticipantId, r.SessionId, r.TrueLabel, r.PredictedLabel, r.Proba0, r.Proba1, r.Cohort)).ToList();
        else
            images = SoftVoting.Combine(rows, weights);
        ResultTables.WriteImagePredictions(tree.Table(fold, selection, prefix, "image", "prediction"), images, withCohort);
        if (!labelled) return null;
        var imageMetrics = BinaryMetrics.From(images.Select(i => i.TrueLabel).ToList(), images.Select(i => i.PredictedLabel).ToList());
        if (wholeImage)
            ResultTables.WriteWholeImageMetrics(tree.Table(fold, selection, prefix, "image", "metrics"), parts[0].Result.Metrics!, parts[0].Result.TotalLoss, parts[0].Result.TotalKlLoss);
        else if (cache.Elements.Count == 1)
            ResultTables.WriteSingleRoiImageMetrics(tree.Table(fold, selection, prefix, "image", "metrics"), parts[0].Result.Metrics!, parts[0].Result.TotalLoss);
        else
            ResultTables.WriteImageMetrics(tree.Table(fold, selection, prefix, "image", "metrics"), imageMetrics);
        return imageMetrics;
    }

    private static BinaryMetrics Metrics(IReadOnlyList<RoiPrediction> rows)
        => BinaryMetrics.From(rows.Select(r => r.TrueLabel).ToList(), rows.Select(r => r.PredictedLabel).ToList());
}
