using ClinicaDl.Caps;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Runs.Generate;
using ClinicaDl.Runs.TsvTool;

namespace ClinicaDl.Tests.Support;

/// <summary>A trivial CAPS (4 source subjects → 4 AD + 4 CN images) whose images are cropped to 97×129×97, the smallest
/// input an image network takes (Conv5_FC3_mni, spec modes §3.3), so that whole-image training stays fast in tests.</summary>
/// <remarks>The crop keeps both hippocampi (where trivial's atrophy is) and moves the affine with it. A second CAPS of the same
/// images cropped to 161×193×161 (<see cref="VariationalCaps"/>, the smallest VConv5_FC3 takes) is made when a test first asks.</remarks>
public sealed class SmallImageCapsFixture : IDisposable
{
    /// <summary>The images' grid.</summary>
    public static readonly int[] Shape = [97, 129, 97];

    /// <summary>The crop's first voxel in the 169×208×179 grid.</summary>
    private static readonly int[] Origin = [36, 40, 41];

    /// <summary>The grid of <see cref="VariationalCaps"/>: the smallest VConv5_FC3 (and Conv5_FC3) takes (spec modes §3.3).</summary>
    public static readonly int[] VariationalShape = [161, 193, 161];

    /// <summary>The variational model the tests train.</summary>
    public const string VariationalModel = "VConv5_FC3";

    private readonly TempDir dir = new("small-image-caps");

    public SmallImageCapsFixture()
    {
        full = Path.Combine(dir.Path, "full");
        SyntheticCaps.Run(new GenerateOptions(GenerateMode.Trivial, full, NSubjects: 4, Seed: 1, Workers: 2));
        Caps = Path.Combine(dir.Path, "caps");
        Crop(full, Caps, Shape, Origin);
        Labels = Path.Combine(Caps, "labels");
        Directory.CreateDirectory(Labels);
        foreach (var file in Directory.GetFiles(Path.Combine(full, "labels"), "*.tsv"))
            File.Copy(file, Path.Combine(Labels, Path.GetFileName(file)));
        KFoldSplitter.Run(new KFoldOptions(Labels, NSplits: 2));
        trainedCnn = new Lazy<string>(() => TrainInChild("cnn", "cnn"));
        variationalCaps = new Lazy<string>(() =>
        {
            string caps = Path.Combine(dir.Path, "caps-variational");
            Crop(full, caps, VariationalShape, [4, 8, 9]);
            return caps;
        });
        trainedVariationalCnn = new Lazy<string>(() => TrainModelInChild(VariationalModel, "cnn", "vcnn", VariationalCaps, "--dropout", "0.5"));
    }

    /// <summary>The generated 169×208×179 CAPS the crops come from.</summary>
    private readonly string full;

    /// <summary>Writes the images of CAPS <paramref name="source"/> cropped to <paramref name="shape"/> from voxel <paramref name="origin"/> into CAPS <paramref name="caps"/>, with the affine moved.</summary>
    private static void Crop(string source, string caps, int[] shape, int[] origin)
    {
        var from = new CapsLayout(source);
        var target = new CapsLayout(caps);
        foreach (var subject in Directory.GetDirectories(Path.Combine(source, "subjects")))
        {
            string p = Path.GetFileName(subject);
            var image = NiftiReader.Read(from.ImagePath(p, "ses-M00"));
            var cropped = new float[shape[0] * shape[1] * shape[2]];
            for (int k = 0; k < shape[2]; k++)
                for (int j = 0; j < shape[1]; j++)
                    for (int i = 0; i < shape[0]; i++)
                        cropped[i + shape[0] * (j + shape[1] * k)] = image.Data[image.IndexOf(origin[0] + i, origin[1] + j, origin[2] + k)];
            var a = image.Affine.ToArray();
            for (int r = 0; r < 3; r++)
                a[r, 3] += a[r, 0] * origin[0] + a[r, 1] * origin[1] + a[r, 2] * origin[2];
            string path = target.ImagePath(p, "ses-M00");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            NiftiWriter.Write(path, new NiftiImage(shape, cropped, new Affine(a)));
        }
    }

    /// <summary>The arguments of <c>train image NETWORK</c> with Conv5_FC3_mni on split 0 of 2 (batch 4, one thread).</summary>
    public static string[] TrainCommand(string network, string caps, string labels, string output, int epochs, params string[] extra)
        => ModelTrainCommand(Model, network, caps, labels, output, epochs, extra);

    /// <summary><see cref="TrainCommand"/> with MODEL <paramref name="model"/>.</summary>
    public static string[] ModelTrainCommand(string model, string network, string caps, string labels, string output, int epochs, params string[] extra)
        => ["train", "image", network, caps, "t1-linear", labels, output, model, "-cpu", "--n_splits", "2", "--split", "0",
            "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch_size", "4", "--threads", "1", .. extra];

    /// <summary>The image model the tests train (the smallest grid it takes is <see cref="Shape"/>).</summary>
    public const string Model = "Conv5_FC3_mni";

    /// <summary>Trains <see cref="TrainCommand"/> in a child process (its own LibTorch thread settings, whatever runs beside it) and returns OUTPUT_DIR.</summary>
    public string TrainInChild(string network, string name, string? caps = null, params string[] extra)
        => TrainModelInChild(Model, network, name, caps ?? Caps, extra);

    /// <summary><see cref="TrainInChild"/> with MODEL <paramref name="model"/>.</summary>
    public string TrainModelInChild(string model, string network, string name, string caps, params string[] extra)
    {
        string output = NewOutput(name);
        using var child = new ChildProcess(ModelTrainCommand(model, network, caps, Labels, output, 1, extra));
        int code = child.WaitForExit(TimeSpan.FromMinutes(10));
        if (code != 0) throw new InvalidOperationException($"train image {network} exited {code}:\n{child.Output}");
        return output;
    }

    /// <summary>One <c>train image cnn</c> run (1 epoch, split 0), trained once for every test that only reads its results.</summary>
    public string TrainedCnn => trainedCnn.Value;

    private readonly Lazy<string> trainedCnn;

    /// <summary>One <c>train image cnn ... VConv5_FC3</c> run on <see cref="VariationalCaps"/> (1 epoch, split 0), trained once.</summary>
    public string TrainedVariationalCnn => trainedVariationalCnn.Value;

    private readonly Lazy<string> trainedVariationalCnn;

    /// <summary>The same images cropped to <see cref="VariationalShape"/> (no labels folder: use <see cref="Labels"/>).</summary>
    public string VariationalCaps => variationalCaps.Value;

    private readonly Lazy<string> variationalCaps;

    /// <summary>The CAPS folder (also holds labels/).</summary>
    public string Caps { get; }

    /// <summary>The label folder with train_splits-2 and validation_splits-2.</summary>
    public string Labels { get; }

    /// <summary>A new empty folder for a test's outputs.</summary>
    public string NewOutput(string name) => Path.Combine(dir.Path, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A copy of the CAPS (images copied, labels kept) that a test may add files to.</summary>
    public string CopyCaps(string name)
    {
        string caps = NewOutput(name);
        foreach (var file in Directory.GetFiles(Caps, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(caps, Path.GetRelativePath(Caps, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return caps;
    }

    public void Dispose() => dir.Dispose();
}

/// <summary>The image-mode tests share one fixture (and its trained cnn). They run beside other classes: the trainings they
/// compare bit for bit run in child processes, and in-process runs keep the thread count they ask for (TorchThreads).</summary>
[CollectionDefinition(Name)]
public sealed class SmallImageCapsCollection : ICollectionFixture<SmallImageCapsFixture>
{
    public const string Name = "small image CAPS";
}
