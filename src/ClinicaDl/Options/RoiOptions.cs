using ClinicaDl.Caps;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Networks;

namespace ClinicaDl.Options;

/// <summary>The ROI mode (<c>train roi</c>) and its options.</summary>
/// <param name="RoiList"><c>-rl/--roi_list</c>, or null for the default hippocampus cubes.</param>
/// <param name="UncroppedRoi"><c>--uncropped_roi</c>.</param>
/// <param name="UseExtractedRoi"><c>--use_extracted_roi</c>.</param>
public sealed record RoiOptions(IReadOnlyList<string>? RoiList = null, bool UncroppedRoi = false, bool UseExtractedRoi = false) : ModeOptions
{
    /// <inheritdoc />
    public override string Name => "roi";

    /// <inheritdoc />
    public override IReadOnlyList<NetworkKind> Networks => [NetworkKind.Cnn, NetworkKind.MultiCnn, NetworkKind.Autoencoder];

    /// <inheritdoc />
    public override IReadOnlyList<string> Models => [Architecture.Conv4Fc3.Name];

    /// <inheritdoc />
    public override int? ElementCount => RoiList?.Count ?? RoiDefinition.DefaultCubes.Count;

    /// <inheritdoc />
    internal override void Check(TrainOptions o)
    {
        if (o.Architecture is null && !Models.Contains(o.Model))
            throw new InvalidOptionException("MODEL", "Conv4_FC3 (the only ROI architecture of ClinicaDL 0.2.1)", o.Model);
        if (UseExtractedRoi && RoiList is not { Count: > 0 })
            throw new InvalidOptionException("--use_extracted_roi", "only works with --roi_list (extracted ROI tensors exist only for mask ROIs, as in ClinicaDL)");
    }

    /// <inheritdoc />
    internal override IElementSet Elements(TrainOptions o, IReadOnlyList<Cohort> cohorts, IReadOnlyList<Session> sessions)
    {
        var rois = UseExtractedRoi && sessions.Count > 0 ? ExtractedRois(sessions) : ResolveRois(cohorts);
        if (!UseExtractedRoi) CapsImages.Check(sessions);
        CheckShapes(o, rois);
        return new RoiElements(rois, !o.Data.Unnormalize, UseExtractedRoi, UncroppedRoi);
    }

    /// <summary>With <c>--use_extracted_roi</c>: every ROI tensor must exist; shapes come from the first session's tensors.</summary>
    private IReadOnlyList<RoiDefinition> ExtractedRois(IReadOnlyList<Session> sessions)
    {
        var names = RoiList!;
        RoiSet.CheckNames(names);
        foreach (var session in sessions)
            foreach (string name in names)
            {
                string file = RoiElements.TensorFile(session, name, UncroppedRoi);
                if (!File.Exists(file))
                    throw new CapsLayoutException(file, $"ROI tensor of {session.Key} not found (--use_extracted_roi).",
                        $"Make them with: clinicadl extract roi {session.CapsRoot} t1-linear --roi_list {string.Join(" ", names)}{(UncroppedRoi ? " --uncropped_roi" : "")}");
            }
        return names.Select(name =>
        {
            var (_, shape) = RoiElements.ReadTensor(RoiElements.TensorFile(sessions[0], name, UncroppedRoi));
            return new RoiDefinition(name, RoiBox.Whole(shape), null, null);
        }).ToList();
    }

    private IReadOnlyList<RoiDefinition> ResolveRois(IReadOnlyList<Cohort> cohorts)
    {
        var rois = RoiSet.Resolve(new CapsLayout(cohorts[0].CapsRoot), RoiList, UncroppedRoi, CapsLayout.CroppedShape);
        // With several cohorts, each cohort's CAPS must hold the same masks (decision: masks come from each cohort's own CAPS).
        foreach (var cohort in cohorts.Skip(1))
        {
            var other = RoiSet.Resolve(new CapsLayout(cohort.CapsRoot), RoiList, UncroppedRoi, CapsLayout.CroppedShape);
            for (int r = 0; r < rois.Count; r++)
                if (rois[r].Mask is { } a && other[r].Mask is { } b && (rois[r].Box != other[r].Box || !a.AsSpan().SequenceEqual(b)))
                    throw new CapsLayoutException(other[r].MaskPath!, $"mask of ROI \"{rois[r].Name}\" differs from cohort {cohorts[0].Name}'s ({rois[r].MaskPath}).",
                        "Every cohort must use the same masks.");
        }
        return rois;
    }

    private static void CheckShapes(TrainOptions o, IReadOnlyList<RoiDefinition> rois)
    {
        foreach (var roi in rois)
        {
            // A RandomArchitecture is sized for its input (each block halves the sides with ceiling): any shape fits.
            bool ok = o.NetworkKind.Reconstructs ? roi.Shape.All(s => s >= 31) : o.Architecture is not null || Conv4Fc3.Accepts(roi.Shape);
            if (!ok)
                throw new InvalidOptionException("--roi_list",
                    o.NetworkKind.Reconstructs
                        ? "ROIs of at least 31 voxels per side for the autoencoder"
                        : $"ROIs of {Conv4Fc3.MinSide} to {Conv4Fc3.MaxSide} voxels per side for Conv4_FC3",
                    $"ROI \"{roi.Name}\" of shape {roi.Box.ShapeText}{(roi.MaskPath is null ? "" : " (" + roi.MaskPath + ")")}");
        }
        if (rois.Count < o.NetworkKind.MinimumElements)
            throw new InvalidOptionException("--roi_list", "at least two ROIs for multicnn (one network per ROI); use cnn for a single ROI",
                string.Join(" ", rois.Select(r => r.Name)));
        if (o.Architecture is not null && rois.Select(r => r.Box.ShapeText).Distinct().Count() > 1)
            throw new InvalidOptionException("roi_list", "ROIs of one shape for a RandomArchitecture (its layers are sized for one input shape)",
                string.Join(", ", rois.Select(r => $"{r.Name} {r.Box.ShapeText}")));
        if (!o.NetworkKind.NetworkPerElement && rois.Select(r => r.Box.ShapeText).Distinct().Count() > 1)
            throw new InvalidOptionException("--roi_list", $"ROIs of one shape for {o.NetworkName} (they share batches); use multicnn for ROIs of different shapes",
                string.Join(", ", rois.Select(r => $"{r.Name} {r.Box.ShapeText}")));
    }
}
