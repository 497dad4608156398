using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Outputs;

/// <summary>The TSV output contract in one place: every column of every result table (spec §7.4–7.7).</summary>
public static class ResultTables
{
    // Column names, written once here: the tables below are built from them, and readers of result tables use them.

    /// <summary>Subject column of prediction tables and <c>split.tsv</c>.</summary>
    public const string ParticipantId = "participant_id";

    /// <summary>Session column of prediction tables and <c>split.tsv</c>.</summary>
    public const string SessionId = "session_id";

    /// <summary>Label column of prediction tables (empty for an unlabelled session).</summary>
    public const string TrueLabel = "true_label";

    /// <summary>Predicted class of prediction tables.</summary>
    public const string PredictedLabel = "predicted_label";

    /// <summary>Probability of class 0 in prediction tables.</summary>
    public const string Proba0 = "proba0";

    /// <summary>Probability of class 1 in prediction tables.</summary>
    public const string Proba1 = "proba1";

    /// <summary>Diagnosis column of <c>split.tsv</c>.</summary>
    public const string Diagnosis = "diagnosis";

    /// <summary><c>train</c> or <c>validation</c> in <c>split.tsv</c>.</summary>
    public const string Subset = "subset";

    /// <summary>Epoch column of <c>training.tsv</c>.</summary>
    public const string Epoch = "epoch";

    /// <summary>Iteration column of <c>training.tsv</c> (the batch index within the epoch).</summary>
    public const string Iteration = "iteration";

    /// <summary>Wall-time column of <c>training.tsv</c>.</summary>
    public const string Time = "time";

    /// <summary>Training loss column of <c>training.tsv</c>.</summary>
    public const string LossTrain = "loss_train";

    /// <summary>Validation loss column of <c>training.tsv</c>.</summary>
    public const string LossValid = "loss_valid";

    /// <summary>Mean training KL term column of a variational CNN's <c>training.tsv</c> (VConv5_FC3, spec modes §3.5).</summary>
    public const string KlLossTrain = "kl_loss_train";

    /// <summary>Mean validation KL term column of a variational CNN's <c>training.tsv</c>.</summary>
    public const string KlLossValid = "kl_loss_valid";

    /// <summary>Training balanced accuracy column of a CNN's <c>training.tsv</c>.</summary>
    public const string BalancedAccuracyTrain = "balanced_accuracy_train";

    /// <summary>Validation balanced accuracy column of a CNN's <c>training.tsv</c>.</summary>
    public const string BalancedAccuracyValid = "balanced_accuracy_valid";

    /// <summary>The element id column of level <paramref name="level"/> (<c>roi_id</c>, <c>patch_id</c>, <c>slice_id</c>, <c>image_id</c>).</summary>
    public static string IdColumn(string level) => level + "_id";

    /// <summary>The metrics every metrics table starts with.</summary>
    private static readonly IReadOnlyList<string> MetricColumns = ["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv"];

    /// <summary>The loss columns of element-level metrics tables.</summary>
    private static readonly IReadOnlyList<string> LossColumns = ["total_loss", "total_kl_loss"];

    /// <summary>ROI-level predictions.</summary>
    public static readonly IReadOnlyList<string> RoiPredictionColumns = ElementPredictionColumns("roi");

    /// <summary>Element-level predictions of level <paramref name="level"/> (<c>roi</c>, <c>patch</c>, <c>slice</c>): the id column is <c>&lt;level&gt;_id</c>.</summary>
    public static IReadOnlyList<string> ElementPredictionColumns(string level)
        => [ParticipantId, SessionId, IdColumn(level), TrueLabel, PredictedLabel, Proba0, Proba1];

    /// <summary>Image-level predictions: ClinicaDL's four columns, then <c>proba0</c>, <c>proba1</c> (decision 15).</summary>
    public static readonly IReadOnlyList<string> ImagePredictionColumns =
        [ParticipantId, SessionId, TrueLabel, PredictedLabel, Proba0, Proba1];

    /// <summary>ROI-level metrics.</summary>
    public static readonly IReadOnlyList<string> RoiMetricsColumns = ElementMetricsColumns("roi");

    /// <summary>Element-level metrics of level <paramref name="level"/>.</summary>
    public static IReadOnlyList<string> ElementMetricsColumns(string level)
        => [.. MetricColumns, .. LossColumns, IdColumn(level)];

    /// <summary>Image-level metrics (soft voting).</summary>
    public static readonly IReadOnlyList<string> ImageMetricsColumns = MetricColumns;

    /// <summary>Image-level metrics with a single ROI (spec §7.6: the ROI metrics without roi_id).</summary>
    public static readonly IReadOnlyList<string> SingleRoiImageMetricsColumns = [.. MetricColumns, .. LossColumns];

    /// <summary>Image-level metrics of image mode (spec modes §3.5): the element metrics, with an empty <c>image_id</c>.</summary>
    public static readonly IReadOnlyList<string> WholeImageMetricsColumns = ElementMetricsColumns("image");

    /// <summary><c>training.tsv</c> of a CNN.</summary>
    public static readonly IReadOnlyList<string> CnnTrainingColumns =
        [Epoch, Iteration, Time, BalancedAccuracyTrain, LossTrain, BalancedAccuracyValid, LossValid];

    /// <summary><c>training.tsv</c> of the variational CNN (VConv5_FC3): a CNN's columns, then the mean KL terms (spec modes §3.5).</summary>
    public static readonly IReadOnlyList<string> VariationalTrainingColumns = [.. CnnTrainingColumns, KlLossTrain, KlLossValid];

    /// <summary><c>training.tsv</c> of an autoencoder.</summary>
    public static readonly IReadOnlyList<string> AutoencoderTrainingColumns = [Epoch, Iteration, Time, LossTrain, LossValid];

    /// <summary><c>fold-i/split.tsv</c>: which sessions a fold used, and for what.</summary>
    public static readonly IReadOnlyList<string> SplitColumns = [ParticipantId, SessionId, Diagnosis, CohortColumn, Subset];

    /// <summary>Writes a fold's <c>split.tsv</c>.</summary>
    public static void WriteSplit(string path, IEnumerable<Caps.Session> train, IEnumerable<Caps.Session> validation)
        => TsvWriter.Write(path, SplitColumns,
            train.Select(s => (IReadOnlyList<object?>)[s.ParticipantId, s.SessionId, s.Diagnosis, s.Cohort, "train"])
                .Concat(validation.Select(s => (IReadOnlyList<object?>)[s.ParticipantId, s.SessionId, s.Diagnosis, s.Cohort, "validation"])));

    /// <summary>Column added last to prediction tables with <c>--multi_cohort</c>.</summary>
    public const string CohortColumn = "cohort";

    /// <summary>Writes element-level predictions of level <paramref name="level"/>.</summary>
    public static void WriteRoiPredictions(string path, IReadOnlyList<RoiPrediction> rows, bool withCohort, string level = "roi")
        => TsvWriter.Write(path, WithCohort(ElementPredictionColumns(level), withCohort), rows.Select(r => Cohort(
            [r.ParticipantId, r.SessionId, r.RoiId, Label(r.TrueLabel), r.PredictedLabel, r.Proba0, r.Proba1], r.Cohort, withCohort)));

    /// <summary>Writes image-level predictions.</summary>
    public static void WriteImagePredictions(string path, IReadOnlyList<ImagePrediction> rows, bool withCohort)
        => TsvWriter.Write(path, WithCohort(ImagePredictionColumns, withCohort), rows.Select(r => Cohort(
            [r.ParticipantId, r.SessionId, Label(r.TrueLabel), r.PredictedLabel, r.Proba0, r.Proba1], r.Cohort, withCohort)));

    /// <summary>One ROI-level metrics row (roi_id null for the single CNN).</summary>
    public static IReadOnlyList<object?> RoiMetricsRow(BinaryMetrics m, double totalLoss, int? roiId)
        => [m.Accuracy, m.BalancedAccuracy, m.Sensitivity, m.Specificity, m.Ppv, m.Npv, totalLoss, 0, roiId];

    /// <summary>Writes element-level metrics rows of level <paramref name="level"/>.</summary>
    public static void WriteRoiMetrics(string path, IEnumerable<IReadOnlyList<object?>> rows, string level = "roi")
        => TsvWriter.Write(path, ElementMetricsColumns(level), rows);

    /// <summary>Writes the image-level metrics row.</summary>
    public static void WriteImageMetrics(string path, BinaryMetrics m)
        => TsvWriter.Write(path, ImageMetricsColumns, [[m.Accuracy, m.BalancedAccuracy, m.Sensitivity, m.Specificity, m.Ppv, m.Npv]]);

    /// <summary>Writes the image-level metrics of a single-ROI run (spec §7.6).</summary>
    public static void WriteSingleRoiImageMetrics(string path, BinaryMetrics m, double totalLoss)
        => TsvWriter.Write(path, SingleRoiImageMetricsColumns, [[m.Accuracy, m.BalancedAccuracy, m.Sensitivity, m.Specificity, m.Ppv, m.Npv, totalLoss, 0]]);

    /// <summary>Writes the image-level metrics of image mode (spec modes §3.5): <c>total_kl_loss</c> is the pass's KL term of a
    /// variational network (<paramref name="totalKlLoss"/>), <c>0</c> for the others.</summary>
    public static void WriteWholeImageMetrics(string path, BinaryMetrics m, double totalLoss, double? totalKlLoss = null)
        => TsvWriter.Write(path, WholeImageMetricsColumns, [[m.Accuracy, m.BalancedAccuracy, m.Sensitivity, m.Specificity, m.Ppv, m.Npv, totalLoss, (object?)totalKlLoss ?? 0, null]]);

    /// <summary>An unlabelled session (classify without diagnoses) has an empty true_label.</summary>
    private static object? Label(int label) => label < 0 ? null : label;

    private static IReadOnlyList<string> WithCohort(IReadOnlyList<string> columns, bool withCohort)
        => withCohort ? [.. columns, CohortColumn] : columns;

    private static IReadOnlyList<object?> Cohort(IReadOnlyList<object?> row, string cohort, bool withCohort)
        => withCohort ? [.. row, cohort] : row;
}
