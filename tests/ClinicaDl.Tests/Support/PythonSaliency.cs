namespace ClinicaDl.Tests.Support;

/// <summary>Python helpers (after <see cref="PythonModels.Conv4Fc3"/>) that check <c>clinicadl interpret</c>'s maps against PyTorch
/// autograd (spec verbs §4.5), for every mode: elements are cut and min-max normalised here as 0.2.1 does (spec modes §3–4, ROI §3).</summary>
internal static class PythonSaliency
{
    /// <summary>Defines <c>load_image</c>, <c>normalised</c>, <c>whole_image</c>, <c>patches</c>, <c>check_maps</c> (3-D and 2-D maps),
    /// <c>load_inputs</c> (what <see cref="InterpretInputs.Save"/> wrote) and <c>map_colours</c> (a <c>map.jpg</c>'s colours against its map).</summary>
    public const string Source = """

import sys, os, csv, numpy as np, nibabel as nib

def load_image(caps, p, s):
    return nib.load(f"{caps}/subjects/{p}/{s}/t1_linear/{p}_{s}_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz").get_fdata(dtype="float32")

def normalised(a):
    t = torch.from_numpy(np.ascontiguousarray(a)).float().unsqueeze(0)
    return (t - t.min()) / (t.max() - t.min())

def whole_image(image):
    return normalised(image)

def patches(image, ps, ss):
    n = [(length - ps) // ss + 1 for length in image.shape]
    return [normalised(image[ix*ss:ix*ss+ps, iy*ss:iy*ss+ps, iz*ss:iz*ss+ps])
            for ix in range(n[0]) for iy in range(n[1]) for iz in range(n[2])]

def check_maps(model, elements, grp, ind, level, target, affine=None):
    # elements: (participant, session, k, x) with x a normalised element (C, ...); level None when an image is one element.
    # Compares the individual maps (ind/<p>/<s>/map[_<level>-<k>].npy, with the channel axis), the group mean map and the
    # per-element group maps with the signed gradient of the target logit; returns the largest absolute difference.
    one_hot = torch.zeros(1, 2)
    one_hot[0, target] = 1.0
    worst, every, per = 0.0, [], {}
    for p, s, k, x in elements:
        x = x.unsqueeze(0).requires_grad_(True)
        model(x).backward(gradient=one_hot)
        g = x.grad[0].numpy()
        every.append(g[0])
        per.setdefault(k, []).append(g[0])
        if ind is not None:
            mine = np.load(f"{ind}/{p}/{s}/{'map' if level is None else f'map_{level}-{k}'}.npy")
            assert mine.shape == g.shape and mine.dtype == np.float32, (mine.shape, g.shape, mine.dtype)
            d = np.abs(mine - g)
            print("element", p, s, k, "max|g|", float(np.abs(g).max()), "worst", float(d.max()), "n>1e-5", int((d > 1e-5).sum()), file=sys.stderr)
            worst = max(worst, float(d.max()))
    group = np.mean(every, axis=0)
    mine = np.load(f"{grp}/map.npy")
    assert mine.shape == group.shape and mine.dtype == np.float32, (mine.shape, group.shape)
    worst = max(worst, float(np.abs(mine - group).max()))
    if level is not None:
        for k, gs in per.items():
            worst = max(worst, float(np.abs(np.load(f"{grp}/map_{level}-{k}.npy") - np.mean(gs, axis=0)).max()))
    if group.ndim == 3:
        nii = nib.load(f"{grp}/map.nii.gz")
        assert nii.shape == group.shape, nii.shape
        assert np.array_equal(np.asarray(nii.dataobj, dtype=np.float32), mine)
        if affine is not None:
            assert np.allclose(nii.affine, affine, atol=1e-4), (nii.affine, affine)
    else:  # 2-D maps: a JPEG instead of the NIfTI, at every place a map is written
        assert not os.path.exists(f"{grp}/map.nii.gz")
        jpgs = [f"{grp}/map.jpg"] + [f"{grp}/map_{level}-{k}.jpg" for k in per if level is not None]
        if ind is not None:
            jpgs += [f"{ind}/{p}/{s}/{'map' if level is None else f'map_{level}-{k}'}.jpg" for p, s, k, _ in elements]
        from PIL import Image
        for jpg in jpgs:
            im = Image.open(jpg)
            assert (im.format, im.size, im.mode) == ("JPEG", (640, 480), "RGB"), (jpg, im.format, im.size, im.mode)
    assert float(np.abs(group).max()) > 0
    return worst

def load_inputs(folder):
    # The elements InterpretInputs.Save wrote: (participant, session, element id, normalised input (C, ...)).
    return [(r["participant_id"], r["session_id"], int(r["id"]), torch.load(r["file"]))
            for r in csv.DictReader(open(f"{folder}/index.tsv"), delimiter="\t")]

def map_colours(jpg, m, vmax, left, top, width, height):
    # The colour at the centre of each map cell (SaliencyFigure.ImageArea gives where the image lies), as red minus blue;
    # returns the share of cells at or above +vmax drawn reddish, of those at or below -vmax drawn bluish, and the
    # correlation of red minus blue with the clipped map.
    from PIL import Image
    a = np.asarray(Image.open(jpg).convert("RGB")).astype(float)
    rows, cols = m.shape
    ys = (top + (np.arange(rows) + 0.5) * height / rows).astype(int)
    xs = (left + (np.arange(cols) + 0.5) * width / cols).astype(int)
    cells = a[ys][:, xs]
    redness = cells[..., 0] - cells[..., 2]
    pos, neg = m >= vmax, m <= -vmax
    assert pos.any() and neg.any(), (float(m.min()), float(m.max()), vmax)
    corr = np.corrcoef(np.clip(m / vmax, -1, 1).ravel(), redness.ravel())[0, 1]
    return float((redness[pos] > 0).mean()), float((redness[neg] < 0).mean()), float(corr)
""";
}
