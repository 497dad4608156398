using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Nifti;

namespace ClinicaDl.Elements;

/// <summary>Builds the ROI list of a run from <c>--roi_list</c> and <c>--uncropped_roi</c>, checking every mask up front.</summary>
public static class RoiSet
{
    /// <summary>The ROIs of a run: the two default hippocampus cubes, or one ROI per mask of <paramref name="roiList"/>, in that order.</summary>
    /// <param name="caps">The CAPS whose masks folder holds the masks.</param>
    /// <param name="roiList"><c>--roi_list</c>, or null/empty for the default cubes.</param>
    /// <param name="uncropped"><c>--uncropped_roi</c>: keep the whole grid instead of the mask's bounding box.</param>
    /// <param name="imageShape">The image grid (169×208×179 for cropped t1-linear).</param>
    /// <exception cref="InvalidOptionException"><c>--uncropped_roi</c> with the default cubes, a bad or repeated ROI name.</exception>
    /// <exception cref="CapsLayoutException">A mask that is missing, on another grid, empty or not binary.</exception>
    /// <exception cref="NiftiFormatException">A malformed mask file.</exception>
    public static IReadOnlyList<RoiDefinition> Resolve(CapsLayout caps, IReadOnlyList<string>? roiList, bool uncropped, int[] imageShape)
    {
        if (roiList is null || roiList.Count == 0)
        {
            if (uncropped)
                throw new InvalidOptionException("--uncropped_roi", "only works with --roi_list (the default hippocampus cubes exist only cropped, as in ClinicaDL)");
            foreach (var cube in RoiDefinition.DefaultCubes)
                if (!cube.Box.FitsIn(imageShape))
                    throw new CapsLayoutException(caps.Root, $"default ROI {cube.Name} does not fit in images of {string.Join("×", imageShape)}; the cropped t1-linear grid is 169×208×179.");
            return RoiDefinition.DefaultCubes;
        }
        CheckNames(roiList);
        return roiList.Select(name => FromMask(name, caps.MaskPath(name), uncropped, imageShape)).ToList();
    }

    /// <summary>The one check of <c>--roi_list</c> names, for masks and for extracted ROI tensors alike: BIDS labels, each given once.</summary>
    /// <exception cref="InvalidOptionException">A name that is not a label, or one given twice.</exception>
    public static void CheckNames(IReadOnlyList<string> roiList)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in roiList)
        {
            if (!BidsLabel.IsLabel(name))
                throw new InvalidOptionException("--roi_list", "ROI names of letters and digits only (no '/', '..' or paths)", name);
            if (!seen.Add(name))
                throw new InvalidOptionException("--roi_list", "distinct ROI names", name + " (given twice)");
        }
    }

    /// <summary>Reads and checks one mask and turns it into a ROI.</summary>
    public static RoiDefinition FromMask(string name, string path, bool uncropped, int[] imageShape)
    {
        if (!File.Exists(path))
            throw new CapsLayoutException(path, $"mask of ROI \"{name}\" not found.",
                $"Masks are read from {Path.GetDirectoryName(path)} with names tpl-MNI152NLin2009cSym_desc-Crop_res-1x1x1_roi-<name>_mask.nii.gz.");
        var mask = NiftiReader.Read(path);
        if (!mask.Shape.SequenceEqual(imageShape))
            throw new CapsLayoutException(path, $"mask of ROI \"{name}\" is {string.Join("×", mask.Shape)}; the images are {string.Join("×", imageShape)}.",
                "A mask must be on the image grid (the cropped t1-linear grid is 169×208×179).");
        int nx = imageShape[0], ny = imageShape[1], nz = imageShape[2];
        int loX = nx, loY = ny, loZ = nz, hiX = -1, hiY = -1, hiZ = -1;
        var data = mask.Data;
        for (int k = 0; k < nz; k++)
            for (int j = 0; j < ny; j++)
            {
                int row = nx * (j + ny * k);
                for (int i = 0; i < nx; i++)
                {
                    float v = data[row + i];
                    if (v == 0) continue;
                    if (v != 1)
                        throw new CapsLayoutException(path, $"mask of ROI \"{name}\" is not binary: voxel ({i}, {j}, {k}) is {v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.",
                            "Masks must hold only 0 and 1.");
                    if (i < loX) loX = i;
                    if (i > hiX) hiX = i;
                    if (j < loY) loY = j;
                    if (j > hiY) hiY = j;
                    if (k < loZ) loZ = k;
                    if (k > hiZ) hiZ = k;
                }
            }
        if (hiX < 0)
            throw new CapsLayoutException(path, $"mask of ROI \"{name}\" is empty (no voxel is 1).");
        // Decision 10: the true bounding box (inclusive min..max), or the whole grid with --uncropped_roi.
        var box = uncropped ? RoiBox.Whole(imageShape) : new RoiBox(loX, loY, loZ, hiX + 1, hiY + 1, hiZ + 1);
        int bx = box.HiX - box.LoX, by = box.HiY - box.LoY, bz = box.HiZ - box.LoZ;
        var inside = new float[bx * by * bz];
        for (int z = 0; z < bz; z++)
            for (int y = 0; y < by; y++)
                Array.Copy(data, box.LoX + nx * (box.LoY + y + ny * (box.LoZ + z)), inside, bx * (y + by * z), bx);
        return new RoiDefinition(name, box, inside, path);
    }
}
