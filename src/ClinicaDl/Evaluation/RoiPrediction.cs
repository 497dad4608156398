namespace ClinicaDl.Evaluation;

/// <summary>One row of a ROI-level prediction table (spec §7.4): an (image, ROI) element and its prediction.</summary>
/// <param name="ParticipantId">participant_id.</param>
/// <param name="SessionId">session_id.</param>
/// <param name="RoiId">roi_id: the ROI's position in the ROI list.</param>
/// <param name="TrueLabel">true_label (−1 when the session is unlabelled).</param>
/// <param name="PredictedLabel">predicted_label: argmax of the logits (ties → 0).</param>
/// <param name="Proba0">Softmax probability of class 0.</param>
/// <param name="Proba1">Softmax probability of class 1.</param>
/// <param name="Cohort">The cohort (written only with <c>--multi_cohort</c>).</param>
public sealed record RoiPrediction(string ParticipantId, string SessionId, int RoiId, int TrueLabel, int PredictedLabel, float Proba0, float Proba1, string Cohort)
{
    /// <summary>The (cohort, participant, session) key of the image.</summary>
    public (string Cohort, string ParticipantId, string SessionId) ImageKey => (Cohort, ParticipantId, SessionId);
}

/// <summary>One row of an image-level prediction table: the soft vote over an image's ROIs.</summary>
/// <param name="ParticipantId">participant_id.</param>
/// <param name="SessionId">session_id.</param>
/// <param name="TrueLabel">true_label.</param>
/// <param name="PredictedLabel">predicted_label: 0 when proba0 ≥ proba1.</param>
/// <param name="Proba0">Weighted mean probability of class 0 (decision 15: written after ClinicaDL's columns).</param>
/// <param name="Proba1">Weighted mean probability of class 1.</param>
/// <param name="Cohort">The cohort (written only with <c>--multi_cohort</c>).</param>
public sealed record ImagePrediction(string ParticipantId, string SessionId, int TrueLabel, int PredictedLabel, double Proba0, double Proba1, string Cohort);
