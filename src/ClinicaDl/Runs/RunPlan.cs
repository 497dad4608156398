using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;

namespace ClinicaDl.Runs;

/// <summary>One fold's sessions, as indices into the run's session list.</summary>
/// <param name="Fold">The fold index.</param>
/// <param name="Train">Training sessions (indices into <see cref="RunPlan.Sessions"/>), in table order.</param>
/// <param name="Valid">Validation sessions, in table order.</param>
internal sealed record FoldPlan(int Fold, IReadOnlyList<int> Train, IReadOnlyList<int> Valid);

/// <summary>Everything a run needs, checked before any image is read or any file written.</summary>
/// <param name="Options">The options.</param>
/// <param name="Tree">The output tree.</param>
/// <param name="Cohorts">The cohorts.</param>
/// <param name="Elements">What is cut from each image (ROIs, patches, slices or the image).</param>
/// <param name="Sessions">Every session of every fold, once (the patch cache's index).</param>
/// <param name="Folds">The folds to train.</param>
/// <param name="Transfer">The checked transfer-learning source, or null.</param>
/// <param name="InitialWeights">Weights copied into each network trained from scratch (read once; the run disposes them), or null.</param>
internal sealed record RunPlan(TrainOptions Options, ResultsTree Tree, IReadOnlyList<Cohort> Cohorts,
    IElementSet Elements, IReadOnlyList<Session> Sessions, IReadOnlyList<FoldPlan> Folds, TransferLearning? Transfer, Networks.IInitialWeights? InitialWeights)
{
    /// <summary>The samples of <paramref name="sessions"/>: every element (or only element <paramref name="roi"/>), image-major, element-minor (spec §3.1).</summary>
    public IReadOnlyList<ElementSample> Samples(IReadOnlyList<int> sessions, int? roi = null) => ElementsOf(Sessions, sessions, Elements.Count, roi);

    /// <summary>The samples of sessions <paramref name="indices"/> of <paramref name="all"/>: image-major, element-minor, or only element <paramref name="roi"/>.</summary>
    public static IReadOnlyList<ElementSample> ElementsOf(IReadOnlyList<Session> all, IReadOnlyList<int> indices, int roiCount, int? roi = null)
    {
        var list = new List<ElementSample>(indices.Count * (roi is null ? roiCount : 1));
        foreach (int s in indices)
        {
            if (roi is int r) list.Add(new ElementSample(all[s], s, r));
            else for (int k = 0; k < roiCount; k++) list.Add(new ElementSample(all[s], s, k));
        }
        return list;
    }
}
