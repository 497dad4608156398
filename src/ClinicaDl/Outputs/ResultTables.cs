using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Outputs;

/// <summary>The TSV output contract in one place: every column of every result table (spec §7.4–7.7).</summary>
public static class ResultTables
{
    /// <summary>ROI-level predictions.</summary>
    public static readonly IReadOnlyList<string> RoiPredictionColumns = ElementPredictionColumns("roi");

    /// <summary>Element-level predictions of level <paramref name="level"/> (<c>roi</c>, <c>patch</c>, <c>slice</c>): the id column is <c>&lt;level&gt;_id</c>.</summary>
    public static IReadOnlyList<string> ElementPredictionColumns(string level)
        => ["participant_id", "session_id", level + "_id", "true_label", "predicted_label", "proba0", "proba1"];

    /// <summary>Image-level predictions: ClinicaDL's four columns, then <c>proba0</c>, <c>proba1</c> (decision 15).</summary>
    public static readonly IReadOnlyList<string> ImagePredictionColumns =
        ["participant_id", "session_id", "true_label", "predicted_label", "proba0", "proba1"];

    /// <summary>ROI-level metrics.</summary>
    public static readonly IReadOnlyList<string> RoiMetricsColumns = ElementMetricsColumns("roi");

    /// <summary>Element-level metrics of level <paramref name="level"/>.</summary>
    public static IReadOnlyList<string> ElementMetricsColumns(string level)
        => ["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv", "total_loss", "total_kl_loss", level + "_id"];

    /// <summary>Image-level metrics (soft voting).</summary>
    public static readonly IReadOnlyList<string> ImageMetricsColumns =
        ["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv"];

    /// <summary>Image-level metrics with a single ROI (spec §7.6: the ROI metrics without roi_id).</summary>
    public static readonly IReadOnlyList<string> SingleRoiImageMetricsColumns =
        ["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv", "total_loss", "total_kl_loss"];

    /// <summary>Image-level metrics of image mode (spec modes §3.5): the element metrics, with an empty <c>image_id</c>.</summary>
    public static readonly IReadOnlyList<string> WholeImageMetricsColumns =
        ["accuracy", "balanced_accuracy", "sensitivity", "specificity", "ppv", "npv", "total_loss", "total_kl_loss", "image_id"];

    /// <summary><c>training.tsv</c> of a CNN.</summary>
    public static readonly IReadOnlyList<string> CnnTrainingColumns =
        ["epoch", "iteration", "time", "balanced_accuracy_train", "loss_train", "balanced_accuracy_valid", "loss_valid"];

    /// <summary><c>training.tsv</c> of an autoencoder.</summary>
    public static readonly IReadOnlyList<string> AutoencoderTrainingColumns = ["epoch", "iteration", "time", "loss_train", "loss_valid"];

    /// <summary><c>fold-i/split.tsv</c>: which sessions a fold used, and for what.</summary>
    public static readonly IReadOnlyList<string> SplitColumns = ["participant_id", "session_id", "diagnosis", "cohort", "subset"];

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

    /// <summary>Writes the image-level metrics of image mode (spec modes §3.5).</summary>
    public static void WriteWholeImageMetrics(string path, BinaryMetrics m, double totalLoss)
        => TsvWriter.Write(path, WholeImageMetricsColumns, [[m.Accuracy, m.BalancedAccuracy, m.Sensitivity, m.Specificity, m.Ppv, m.Npv, totalLoss, 0, null]]);

    /// <summary>An unlabelled session (classify without diagnoses) has an empty true_label.</summary>
    private static object? Label(int label) => label < 0 ? null : label;

    private static IReadOnlyList<string> WithCohort(IReadOnlyList<string> columns, bool withCohort)
        => withCohort ? [.. columns, CohortColumn] : columns;

    private static IReadOnlyList<object?> Cohort(IReadOnlyList<object?> row, string cohort, bool withCohort)
        => withCohort ? [.. row, cohort] : row;
}
