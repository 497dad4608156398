using ClinicaDl.Caps;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Runs.Generate;
using ClinicaDl.Runs.TsvTool;

namespace ClinicaDl.Tests.Support;

/// <summary>A trivial CAPS (4 source subjects → 4 AD + 4 CN images) whose images are cropped to 97×129×97, the smallest
/// input an image network takes (Conv5_FC3_mni, spec modes §3.3), so that whole-image training stays fast in tests.</summary>
/// <remarks>The crop keeps both hippocampi (where trivial's atrophy is) and moves the affine with it.</remarks>
public sealed class SmallImageCapsFixture : IDisposable
{
    /// <summary>The images' grid.</summary>
    public static readonly int[] Shape = [97, 129, 97];

    /// <summary>The crop's first voxel in the 169×208×179 grid.</summary>
    private static readonly int[] Origin = [36, 40, 41];

    private readonly TempDir dir = new("small-image-caps");

    public SmallImageCapsFixture()
    {
        string full = Path.Combine(dir.Path, "full");
        SyntheticCaps.Run(new GenerateOptions(GenerateMode.Trivial, full, NSubjects: 4, Seed: 1, Workers: 2));
        Caps = Path.Combine(dir.Path, "caps");
        var source = new CapsLayout(full);
        var target = new CapsLayout(Caps);
        foreach (var subject in Directory.GetDirectories(Path.Combine(full, "subjects")))
        {
            string p = Path.GetFileName(subject);
            var image = NiftiReader.Read(source.ImagePath(p, "ses-M00"));
            var cropped = new float[Shape[0] * Shape[1] * Shape[2]];
            for (int k = 0; k < Shape[2]; k++)
                for (int j = 0; j < Shape[1]; j++)
                    for (int i = 0; i < Shape[0]; i++)
                        cropped[i + Shape[0] * (j + Shape[1] * k)] = image.Data[image.IndexOf(Origin[0] + i, Origin[1] + j, Origin[2] + k)];
            var a = image.Affine.ToArray();
            for (int r = 0; r < 3; r++)
                a[r, 3] += a[r, 0] * Origin[0] + a[r, 1] * Origin[1] + a[r, 2] * Origin[2];
            string path = target.ImagePath(p, "ses-M00");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            NiftiWriter.Write(path, new NiftiImage(Shape, cropped, new Affine(a)));
        }
        Labels = Path.Combine(Caps, "labels");
        Directory.CreateDirectory(Labels);
        foreach (var file in Directory.GetFiles(Path.Combine(full, "labels"), "*.tsv"))
            File.Copy(file, Path.Combine(Labels, Path.GetFileName(file)));
        KFoldSplitter.Run(new KFoldOptions(Labels, NSplits: 2));
        Directory.Delete(full, recursive: true);
    }

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

/// <summary>Run alone (not beside other test classes): another class's <c>set_num_threads</c> is process-wide, and a different thread
/// count changes the last bits of the convolutions, so two trainings compared table for table (NIfTI against extracted tensors)
/// could differ (seen beside <c>ResumeTests</c>: one validation prediction flipped).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SmallImageCapsCollection : ICollectionFixture<SmallImageCapsFixture>
{
    public const string Name = "small image CAPS";
}
