using ClinicaDl.Generate;
using ClinicaDl.Tsv;

namespace ClinicaDl.Tests.Support;

/// <summary>A small trivial CAPS (4 source subjects → 4 AD + 4 CN images) with 2-fold label splits, made once per test collection.</summary>
public sealed class SyntheticCapsFixture : IDisposable
{
    private readonly TempDir dir = new("synthetic-caps");

    public SyntheticCapsFixture()
    {
        Caps = Path.Combine(dir.Path, "caps");
        SyntheticCaps.Run(new GenerateOptions(GenerateMode.Trivial, Caps, NSubjects: 4, Seed: 1, Workers: 2));
        Labels = Path.Combine(Caps, "labels");
        KFoldSplitter.Run(new KFoldOptions(Labels, NSplits: 2));
    }

    /// <summary>The CAPS folder (also holds data.tsv and labels/).</summary>
    public string Caps { get; }

    /// <summary>The label folder with train_splits-2 and validation_splits-2.</summary>
    public string Labels { get; }

    /// <summary>A new empty folder for a test's outputs.</summary>
    public string NewOutput(string name) => Path.Combine(dir.Path, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A copy of the CAPS (images linked, not copied, labels left out) that a test may add files to.</summary>
    public string CopyCaps(string name)
    {
        string caps = NewOutput(name);
        foreach (var file in Directory.GetFiles(Caps, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(Caps, file);
            if (rel.StartsWith("labels", StringComparison.Ordinal)) continue;
            string target = Path.Combine(caps, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.CreateSymbolicLink(target, file);
        }
        return caps;
    }

    public void Dispose() => dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SyntheticCapsCollection : ICollectionFixture<SyntheticCapsFixture>
{
    public const string Name = "synthetic CAPS";
}
