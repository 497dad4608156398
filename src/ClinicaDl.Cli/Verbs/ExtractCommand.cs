using System.CommandLine;
using ClinicaDl.Cli.Console;
using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Runs;
using ClinicaDl.Slices;

namespace ClinicaDl.Cli.Verbs;

/// <summary><c>clinicadl extract roi|image|slice|patch CAPS_DIR PREPROCESSING …</c>: ROI tensors for <c>--use_extracted_roi</c>, whole-image tensors as clinica writes them.</summary>
internal static class ExtractCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("extract", "Write tensors read by train: ROI tensors for --use_extracted_roi, whole-image tensors, slice and patch tensors (clinica's deeplearning-prepare-data names, PyTorch format).");
        var (caps, preprocessing, tsv, nproc, overwrite) = SharedArguments("Replace existing ROI tensors.");
        var roiList = OptionFactory.List("--roi_list", "Names of the masks to extract (required).", "ROI", "-rl");
        roiList.Required = true;
        var uncropped = OptionFactory.Flag("--uncropped_roi", "Keep the whole image grid instead of the mask's bounding box.");
        var roi = new Command("roi", "One tensor (1, X, Y, Z) per session and ROI: image × mask, cropped to the mask's bounding box.")
            { caps, preprocessing, roiList, uncropped, tsv, nproc, overwrite };
        roi.SetAction(r =>
        {
            var renderer = context.Renderer();
            var progress = Progress(renderer);
            int written = renderer.Run(() => RoiTensorExport.Run(new ExtractRoiOptions(r.GetValue(caps)!, r.GetValue(preprocessing)!, r.GetValue(roiList)!,
                r.GetValue(uncropped), r.GetValue(tsv), r.GetValue(nproc), r.GetValue(overwrite)), progress, context.Cancel));
            context.Output.WriteLine($"Wrote {written} ROI tensors under {r.GetValue(caps)}/subjects/*/*/deeplearning_prepare_data/roi_based/t1_linear/.");
            return CliApp.Success;
        });
        command.Subcommands.Add(roi);
        command.Subcommands.Add(ImageCommand(context));
        command.Subcommands.Add(SliceCommand(context));
        command.Subcommands.Add(PatchCommand(context));
        return command;
    }

    private static Command ImageCommand(CliContext context)
    {
        var (caps, preprocessing, tsv, nproc, overwrite) = SharedArguments("Replace existing image tensors.");
        var uncropped = OptionFactory.Flag("--use_uncropped_image", "Convert the uncropped 193×229×193 image (training reads the cropped one).", "-uui");
        var image = new Command("image", "One tensor (1, X, Y, Z) per session: the whole t1-linear image, as clinica's extract-tensor writes it.")
            { caps, preprocessing, uncropped, tsv, nproc, overwrite };
        image.SetAction(r =>
        {
            var renderer = context.Renderer();
            var progress = Progress(renderer);
            int written = renderer.Run(() => ImageTensorExport.Run(new ExtractImageOptions(r.GetValue(caps)!, r.GetValue(preprocessing)!,
                r.GetValue(uncropped), r.GetValue(tsv), r.GetValue(nproc), r.GetValue(overwrite)), progress, context.Cancel));
            context.Output.WriteLine($"Wrote {written} image tensors under {r.GetValue(caps)}/subjects/*/*/deeplearning_prepare_data/image_based/t1_linear/.");
            return CliApp.Success;
        });
        return image;
    }

    /// <summary><c>clinicadl extract slice CAPS_DIR PREPROCESSING [-sd 0|1|2] [-sm rgb|single]</c>: clinica's slice tensors for <c>--use_extracted_slices</c>.</summary>
    private static Command SliceCommand(CliContext context)
    {
        var (caps, preprocessing, tsv, nproc, overwrite) = SharedArguments("Replace existing slice tensors (and the whole-image tensor).");
        var direction = OptionFactory.Choice("--slice_direction", "Slice axis: 0 sagittal, 1 coronal, 2 axial.", "0", ["0", "1", "2"], "-sd");
        var mode = OptionFactory.Choice("--slice_mode", "rgb: the normalised slice in 3 identical channels (what --use_extracted_slices reads); single: the raw slice.", "rgb", ["rgb", "single"], "-sm");
        var slice = new Command("slice", "Every slice of one direction, one tensor per slice (clinica's names), plus the whole-image tensor.")
            { caps, preprocessing, direction, mode, tsv, nproc, overwrite };
        slice.SetAction(r =>
        {
            var renderer = context.Renderer();
            var progress = Progress(renderer);
            var options = new ExtractSliceOptions(r.GetValue(caps)!, r.GetValue(preprocessing)!,
                (SliceDirection)int.Parse(r.GetValue(direction)!, System.Globalization.CultureInfo.InvariantCulture),
                r.GetValue(mode) == "single" ? SliceMode.Single : SliceMode.Rgb, r.GetValue(tsv), r.GetValue(nproc), r.GetValue(overwrite));
            var result = renderer.Run(() => SliceTensorExport.Run(options, progress, context.Cancel));
            if (result.ConstantSlices > 0)
                context.Output.WriteLine($"Warning: {result.ConstantSlices} constant slice(s) were written as zeros (clinica writes NaN).");
            context.Output.WriteLine($"Wrote {result.Slices} slice tensors and {result.Images} whole-image tensors under {r.GetValue(caps)}/subjects/*/*/deeplearning_prepare_data/.");
            return CliApp.Success;
        });
        return slice;
    }

    /// <summary><c>clinicadl extract patch CAPS_DIR PREPROCESSING [-ps 50] [-ss 50]</c>: clinica's patch tensors for <c>--use_extracted_patches</c>.</summary>
    private static Command PatchCommand(CliContext context)
    {
        var (caps, preprocessing, tsv, nproc, overwrite) = SharedArguments("Replace existing patch tensors (and the whole-image tensor).");
        var patchSize = OptionFactory.Int("--patch_size", "Side of the cubic patches, in voxels.", PatchGrid.DefaultSize, int.MinValue, "-ps");
        var strideSize = OptionFactory.Int("--stride_size", "Distance between the origins of consecutive patches on every axis.", PatchGrid.DefaultSize, int.MinValue, "-ss");
        var patch = new Command("patch", "Every patch of every image, one tensor (1, ps, ps, ps) per patch (clinica's names, 0.2.1's order), plus the whole-image tensor.")
            { caps, preprocessing, patchSize, strideSize, tsv, nproc, overwrite };
        patch.SetAction(r =>
        {
            var renderer = context.Renderer();
            var progress = Progress(renderer);
            var options = new ExtractPatchOptions(r.GetValue(caps)!, r.GetValue(preprocessing)!, r.GetValue(patchSize), r.GetValue(strideSize),
                r.GetValue(tsv), r.GetValue(nproc), r.GetValue(overwrite));
            var result = renderer.Run(() => PatchTensorExport.Run(options, progress, context.Cancel));
            context.Output.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Wrote {result.Patches} patch tensors ({result.PerImage} per image, covering {result.Coverage:P1} of each image) and {result.Images} whole-image tensors under {r.GetValue(caps)}/subjects/*/*/deeplearning_prepare_data/."));
            return CliApp.Success;
        });
        return patch;
    }

    /// <summary>The arguments and options every extract command takes: CAPS_DIR, PREPROCESSING, -tsv, -np and --overwrite.</summary>
    private static (Argument<string> Caps, Argument<string> Preprocessing, Option<string?> Tsv, Option<int> NProc, Option<bool> Overwrite) SharedArguments(string overwriteHelp)
        => (new Argument<string>("CAPS_DIR") { Description = "CAPS folder: images are read from it and tensors written into it." },
            OptionFactory.ChoiceArgument("PREPROCESSING", "Preprocessing of the images.", CapsLayout.T1Linear),
            OptionFactory.Text("--subjects_sessions_tsv", "TSV (participant_id, session_id) of the sessions to extract (default: all).", helpName: "TSV", aliases: "-tsv"),
            OptionFactory.Int("--nproc", "Images processed in parallel.", 2, 1, "-np"),
            OptionFactory.Flag("--overwrite", overwriteHelp));

    private static SynchronousProgress<(int Done, int Total)> Progress(IProgressRenderer renderer)
        => new(p => renderer.Count("extract", p.Done, p.Total, "sessions"));
}
