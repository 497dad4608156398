using ClinicaDl.Caps;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Runs.Generate;
using ClinicaDl.Tests.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.BadInput;

/// <summary>
/// The bad-input suite: each case is a command on a broken copy of a small CAPS, with the exit code (2), a fragment of the
/// message (naming the file, row or option and what was expected), and a check that nothing but the run's own new files changed.
/// The values of every numeric option are covered by <see cref="Cli.TrainOptionsTests"/>.
/// </summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class BadInputTests(SyntheticCapsFixture data)
{
    /// <summary>A private copy of the fixture: labels copied, images linked; a case replaces what it breaks.</summary>
    public sealed class Env
    {
        public required string Caps { get; init; }
        public required string Labels { get; init; }
        public required string Output { get; init; }
        public CapsLayout Layout => new(Caps);
        public string Image(string participant) => Layout.ImagePath(participant, "ses-M00");
        public string TrainFile(string diagnosis, int fold = 0) => Path.Combine(Labels, "train_splits-2", $"split-{fold}", diagnosis + ".tsv");
        public string ValidFile(string diagnosis, int fold = 0) => Path.Combine(Labels, "validation_splits-2", $"split-{fold}", diagnosis + "_baseline.tsv");
        public string FirstTrainParticipant => File.ReadLines(TrainFile("AD")).Skip(1).First().Split('\t')[0];

        /// <summary>Replaces a linked file by a real one so that it can be broken without touching the fixture.</summary>
        public void Own(string path)
        {
            if (new FileInfo(path).LinkTarget is null) return;
            byte[] bytes = File.ReadAllBytes(path);
            File.Delete(path);
            File.WriteAllBytes(path, bytes);
        }
    }

    public sealed record Case(string Name, Action<Env> Setup, Func<Env, string[]> Extra, string Fragment, Func<Env, string[]>? Command = null)
    {
        public override string ToString() => Name;
    }

    internal static string[] Train(Env e, params string[] extra)
        => ["train", "roi", "cnn", e.Caps, "t1-linear", e.Labels, e.Output, "Conv4_FC3", "-cpu", "--n_splits", "2", "--split", "0", .. extra];

    private static void Mask(Env e, string name, Func<int, int, int, float> value, int[]? shape = null)
    {
        shape ??= [169, 208, 179];
        var data = new float[shape[0] * shape[1] * shape[2]];
        for (int k = 0; k < shape[2]; k++)
            for (int j = 0; j < shape[1]; j++)
                for (int i = 0; i < shape[0]; i++)
                    data[i + shape[0] * (j + shape[1] * k)] = value(i, j, k);
        NiftiWriter.Write(e.Layout.MaskPath(name), shape, data, new Affine(BrainPhantom.Affine));
    }

    private static Func<int, int, int, float> Box(int lo, int size, int? sizeY = null)
        => (i, j, k) => i >= lo && i < lo + size && j >= lo && j < lo + (sizeY ?? size) && k >= lo && k < lo + size ? 1f : 0f;

    private static void Rewrite(string path, Func<string, string> edit) => File.WriteAllText(path, edit(File.ReadAllText(path)));

    public static TheoryData<Case> Cases => new()
    {
        new("missing CAPS", e => Directory.Delete(e.Caps, true), e => [], "CAPS_DIR not found"),
        new("empty CAPS", e => { Directory.Delete(e.Caps, true); Directory.CreateDirectory(e.Caps); }, e => [], "has no subjects"),
        new("BIDS folder as CAPS", e => Directory.CreateDirectory(Path.Combine(e.Caps, "sub-01")), e => [], "looks like a BIDS folder"),
        new("CAPS is a file", e => { Directory.Delete(e.Caps, true); File.WriteAllText(e.Caps, "x"); }, e => [], "is a file"),
        new("session without image", e => File.Delete(e.Image(e.FirstTrainParticipant)), e => [], "image not found"),
        new("TSV without participant_id", e => Rewrite(e.TrainFile("AD"), t => t.Replace("participant_id", "subject")), e => [], "\"participant_id\" is missing"),
        new("TSV without session_id", e => Rewrite(e.TrainFile("CN"), t => t.Replace("session_id", "visit")), e => [], "\"session_id\" is missing"),
        new("TSV without diagnosis", e => Rewrite(e.ValidFile("AD"), t => t.Replace("diagnosis", "dx")), e => [], "\"diagnosis\" is missing"),
        new("unknown diagnosis", e => Rewrite(e.TrainFile("AD"), t => t.Replace("\tAD\t", "\tADD\t")), e => [], "row 1: diagnosis \"ADD\" is not one of"),
        new("duplicate session", e => Rewrite(e.TrainFile("CN"), t => t + t.Split('\n')[1] + "\n"), e => [], "is listed twice"),
        new("subject in train and validation", e => Rewrite(e.ValidFile("AD"), t => t + File.ReadLines(e.TrainFile("AD")).Skip(1).First() + "\n"), e => [], "A subject must be in the train set or in the validation set"),
        new("participant_id with /", e => Rewrite(e.TrainFile("AD"), t => t.Replace(e.FirstTrainParticipant + "\t", "sub-01/x\t")), e => [], "\"sub-01/x\" is not a BIDS label"),
        new("participant_id with ..", e => Rewrite(e.TrainFile("AD"), t => t.Replace(e.FirstTrainParticipant + "\t", "../../etc\t")), e => [], "\"../../etc\" is not a BIDS label"),
        new("participant_id absolute", e => Rewrite(e.TrainFile("AD"), t => t.Replace(e.FirstTrainParticipant + "\t", "/etc/passwd\t")), e => [], "\"/etc/passwd\" is not a BIDS label"),
        new("ROI name with /", e => { }, e => ["--roi_list", "a/b"], "--roi_list: must be ROI names of letters and digits only"),
        new("ROI name with ..", e => { }, e => ["--roi_list", ".."], "--roi_list: must be ROI names of letters and digits only"),
        new("ROI name absolute", e => { }, e => ["--roi_list", "/etc/passwd"], "--roi_list: must be ROI names of letters and digits only"),
        new("truncated .nii.gz", e => { string p = e.Image(e.FirstTrainParticipant); e.Own(p); var b = File.ReadAllBytes(p); File.WriteAllBytes(p, b[..(b.Length / 2)]); }, e => [], "NIfTI field"),
        new("header claiming 32767³ voxels", e => { string p = e.Image(e.FirstTrainParticipant); File.Delete(p); File.WriteAllBytes(p, NiftiFileBuilder.Gzip(new NiftiFileBuilder { Dim = [3, 32767, 32767, 32767, 1, 1, 1, 1] }.Build())); }, e => [], "NIfTI field dim"),
        new("image on the wrong grid", e => { string p = e.Image(e.FirstTrainParticipant); File.Delete(p); NiftiWriter.Write(p, [100, 100, 100], new float[1_000_000], Affine.Identity); }, e => [], "the cropped t1-linear grid is 169×208×179"),
        new("mask missing", e => { }, e => ["--roi_list", "nosuchmask"], "mask of ROI \"nosuchmask\" not found"),
        new("mask on another grid", e => Mask(e, "small", (i, j, k) => 1, [60, 60, 60]), e => ["--roi_list", "small"], "mask of ROI \"small\" is 60×60×60; the images are 169×208×179"),
        new("empty mask", e => Mask(e, "empty", (i, j, k) => 0), e => ["--roi_list", "empty"], "mask of ROI \"empty\" is empty"),
        new("non-binary mask", e => Mask(e, "soft", (i, j, k) => i == 80 && j == 90 && k == 70 ? 0.5f : Box(50, 50)(i, j, k)), e => ["--roi_list", "soft"], "is not binary"),
        new("corrupt mask file", e => File.WriteAllText(e.Layout.MaskPath("broken"), "not a NIfTI file at all"), e => ["--roi_list", "broken"], "NIfTI field"),
        new("ROI too small for Conv4_FC3", e => Mask(e, "tiny", Box(50, 30)), e => ["--roi_list", "tiny"], "ROIs of 47 to 62 voxels per side for Conv4_FC3, not ROI \"tiny\" of shape 30×30×30"),
        new("ROI too large for Conv4_FC3", e => Mask(e, "huge", Box(30, 70)), e => ["--roi_list", "huge"], "ROI \"huge\" of shape 70×70×70"),
        new("ROIs of different shapes for cnn", e => { Mask(e, "a", Box(50, 50)); Mask(e, "b", Box(50, 50, 55)); }, e => ["--roi_list", "a", "b"], "ROIs of one shape for cnn"),
        new("accumulation larger than batches", e => { }, e => ["--accumulation_steps", "50"], "-asteps/--accumulation_steps: must be at most the"),
        new("split out of range", e => { }, e => ["--split", "2"], "--split: must be fold indices in 0..1", e => ["train", "roi", "cnn", e.Caps, "t1-linear", e.Labels, e.Output, "Conv4_FC3", "-cpu", "--n_splits", "2", "--split", "2"]),
        new("split without n_splits", e => { }, e => [], "--split: must be 0 without --n_splits", e => ["train", "roi", "cnn", e.Caps, "t1-linear", e.Labels, e.Output, "Conv4_FC3", "-cpu", "--split", "1"]),
        new("missing split folders", e => Directory.Delete(Path.Combine(e.Labels, "train_splits-2"), true), e => [], "tsvtool kfold"),
        new("TSV file without --multi_cohort", e => { }, e => [], "add --multi_cohort", e => ["train", "roi", "cnn", e.Caps, "t1-linear", e.TrainFile("AD"), e.Output, "Conv4_FC3", "-cpu"]),
        new("OUTPUT_DIR is a file", e => File.WriteAllText(e.Output, "x"), e => [], "OUTPUT_DIR is a file"),
        new("OUTPUT_DIR unwritable", e => { }, e => [], "cannot be written", e => ["train", "roi", "cnn", e.Caps, "t1-linear", e.Labels, "/proc/1/clinicadl-results", "Conv4_FC3", "-cpu", "--n_splits", "2", "--split", "0"]),
        new("OUTPUT_DIR holds results", e => { Directory.CreateDirectory(Path.Combine(e.Output, "fold-0")); File.WriteAllText(Path.Combine(e.Output, "fold-0", "training.tsv"), "x"); }, e => [], "already holds results"),
        new("transfer from another architecture", e => { Directory.CreateDirectory(e.Output + "-src"); File.WriteAllText(Path.Combine(e.Output + "-src", "commandline.json"), """{"network_type": "multicnn", "mode": "roi", "caps_dir": "c", "tsv_path": "t"}"""); }, e => ["--transfer_learning_path", e.Output + "-src"], "--transfer_learning_path: must be a cnn or autoencoder results folder"),
        new("transfer path missing", e => { }, e => ["--transfer_learning_path", e.Output + "-nowhere"], "--transfer_learning_path: must be an existing results folder"),
        new("use_extracted_roi without tensors", e => Mask(e, "a", Box(50, 50)), e => ["--use_extracted_roi", "--roi_list", "a"], "clinicadl extract roi"),
        new("ROI name given twice", e => Mask(e, "a", Box(50, 50)), e => ["--roi_list", "a", "a"], "--roi_list: must be distinct ROI names, not a (given twice)"),
        // Issue 11: the extracted-tensor path used to check names by itself, and trained two identical networks here.
        new("ROI name given twice with use_extracted_roi", e => Mask(e, "a", Box(50, 50)), e => ["--use_extracted_roi", "--roi_list", "a", "a"], "--roi_list: must be distinct ROI names, not a (given twice)"),
        new("uncropped ROI with default cubes", e => { }, e => ["--uncropped_roi"], "--uncropped_roi: only works with --roi_list"),
        new("no GPU and no -cpu", e => { }, e => [], "Please add the -cpu flag", e => ["train", "roi", "cnn", e.Caps, "t1-linear", e.Labels, e.Output, "Conv4_FC3", "--n_splits", "2", "--split", "0"]),
        new("batch size zero", e => { }, e => ["--batch_size", "0"], "--batch_size: must be an integer ≥ 1, not 0"),
        new("learning rate not a number", e => { }, e => ["--learning_rate", "fast"], "--learning_rate: must be a number, not 'fast'"),
        new("negative patience", e => { }, e => ["--patience", "-1"], "--patience: must be an integer ≥ 0, not -1"),
        new("dropout of one", e => { }, e => ["--dropout", "1"], "--dropout: must be a number in [0, 1), not 1"),
        // Label files a clinic's pipeline can produce that would train something else than asked.
        new("train class file reduced to its header", e => Rewrite(e.TrainFile("AD"), t => t.Split('\n')[0] + "\n"), e => [], "lists no session (only its header): fold 0 would have no AD session"),
        new("validation class file reduced to its header", e => Rewrite(e.ValidFile("CN"), t => t.Split('\n')[0] + "\n"), e => [], "lists no session (only its header): fold 0 would have no CN session"),
        new("row of a diagnosis outside --diagnoses", e => Rewrite(e.TrainFile("AD"), t => t.Replace("\tAD\t", "\tMCI\t")), e => [], "row 1: diagnosis \"MCI\" is not one of --diagnoses (AD, CN)"),
        // Image files: a whole-image tensor newer than its NIfTI is read instead of it, so it is checked up front too.
        new("garbage whole-image tensor newer than its NIfTI", e => { string p = e.Layout.ImageTensorPath(e.FirstTrainParticipant, "ses-M00"); Directory.CreateDirectory(Path.GetDirectoryName(p)!); File.WriteAllText(p, "garbage, not a tensor"); }, e => [], "is not a PyTorch file"),
        // A commandline.json edited by hand, read by the next fold job into the same OUTPUT_DIR.
        new("commandline.json with \"epochs\": 3.0", e => RecordWith(e, "\"epochs\": 3.0"), e => [], "commandline.json: \"epochs\" must be an integer, not 3.0"),
        new("commandline.json with \"split\": [\"zero\"]", e => RecordWith(e, "\"split\": [\"zero\"]"), e => [], "commandline.json: \"split\" must be an integer, not \"zero\""),
        new("commandline.json that is not JSON", e => { Directory.CreateDirectory(e.Output); File.WriteAllText(Path.Combine(e.Output, "commandline.json"), "{\"epochs\": "); }, e => [], "commandline.json: is not valid JSON"),
    };

    /// <summary>An OUTPUT_DIR whose commandline.json (of this very configuration) has one key edited by hand.</summary>
    private static void RecordWith(Env e, string edited) => WriteEditedRecord(e.Caps, e.Labels, e.Output, edited);

    /// <summary>Writes <paramref name="output"/>/commandline.json as a first cnn job would, with the line of one key replaced by <paramref name="edited"/>.</summary>
    internal static string WriteEditedRecord(string caps, string labels, string output, string edited)
    {
        Directory.CreateDirectory(output);
        var options = ClinicaDl.Options.TrainOptions.Defaults(ClinicaDl.Options.NetworkType.Cnn, caps, labels, output);
        string key = edited[..(edited.IndexOf(':') + 1)];
        var lines = ClinicaDl.Options.CommandLineRecord.ToJson(options).Split('\n')
            .Select(l => l.TrimStart().StartsWith(key, StringComparison.Ordinal) ? "    " + edited + (l.TrimEnd().EndsWith(',') ? "," : "") : l);
        string record = Path.Combine(output, "commandline.json");
        File.WriteAllText(record, string.Join("\n", lines));
        Assert.Contains(edited, File.ReadAllText(record));
        return record;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_BadInput_ExitsTwo_NamesTheProblem_AndChangesNothing(Case c)
    {
        var env = Prepare(data, c.Name);
        c.Setup(env);
        bool outputExisted = Directory.Exists(env.Output) || File.Exists(env.Output);
        var before = Snapshot(Path.GetDirectoryName(env.Caps)!, env.Output);
        var args = c.Command?.Invoke(env) ?? Train(env, c.Extra(env));
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode} for: clinicadl {string.Join(" ", args)}\n{result.All}");
        Assert.Contains(c.Fragment, result.Error);
        Assert.Equal(before, Snapshot(Path.GetDirectoryName(env.Caps)!, env.Output));
        if (!outputExisted)
            Assert.False(Directory.Exists(env.Output), "a refused run created its OUTPUT_DIR");
        Assert.DoesNotContain("internal error", result.Error);
    }

    /// <summary>A private copy of the fixture CAPS (images linked, masks and labels copied) for one case.</summary>
    internal static Env Prepare(SyntheticCapsFixture data, string name)
    {
        string root = data.NewOutput("bad-" + new string(name.Where(char.IsLetterOrDigit).ToArray()));
        string caps = Path.Combine(root, "caps"), labels = Path.Combine(root, "labels");
        foreach (var file in Directory.GetFiles(data.Caps, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(data.Caps, file);
            bool isLabel = rel.StartsWith("labels", StringComparison.Ordinal);
            string target = isLabel ? Path.Combine(labels, Path.GetRelativePath(Path.Combine(data.Caps, "labels"), file)) : Path.Combine(caps, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (isLabel) File.Copy(file, target);
            else File.CreateSymbolicLink(target, file);
        }
        Directory.CreateDirectory(new CapsLayout(caps).MasksFolder);
        return new Env { Caps = caps, Labels = labels, Output = Path.Combine(root, "out") };
    }

    /// <summary>Every file under <paramref name="root"/> with its size and time, except inside the run's own OUTPUT_DIR.</summary>
    internal static IReadOnlyList<string> Snapshot(string root, string output)
        => Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(output + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => { var i = new FileInfo(f); return $"{f} {(i.LinkTarget is null ? i.Length : -1)} {i.LastWriteTimeUtc.Ticks}"; })
            .Order(StringComparer.Ordinal).ToList();
}
