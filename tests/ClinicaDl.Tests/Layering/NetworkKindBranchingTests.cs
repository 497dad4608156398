using System.Text.RegularExpressions;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Layering;

/// <summary>What differs between cnn, multicnn and autoencoder lives in <c>Options/NetworkKind.cs</c> (DESIGN.md, Layout):
/// no other source file branches on the network kind, whatever the form (enum constants, comparing kinds, type tests
/// on the kind classes, switching on a kind or its name).</summary>
public sealed partial class NetworkKindBranchingTests
{
    /// <summary>The one file where the kinds are told apart.</summary>
    private const string KindFile = "src/ClinicaDl/Options/NetworkKind.cs";

    /// <summary>Forms of branching on the network kind, each with what it catches.</summary>
    private static readonly (Regex Pattern, string What)[] Forms =
    [
        (new(@"\bNetworkType\s*\.\s*(Autoencoder|Cnn|MultiCnn)\b"), "a NetworkType constant"),
        (new(@"\b(NetworkType|NetworkKind)\s*([=!]=|switch\b|\.\s*Equals\b)|([=!]=|\.Equals\s*\()\s*(\w+\s*\.\s*)*(NetworkType|NetworkKind)\b"), "a comparison of or switch on kinds"),
        (new(@"\bNetworkKind\s*\.\s*(Autoencoder|Cnn|MultiCnn)\s*([=!]=|\.\s*Equals\b)"), "a comparison with a kind"),
        (new(@"\bcase\s+(NetworkType|NetworkKind)\s*\."), "a case on the kind"),
        (new(@"\b(NetworkKind|kind)\s+is\s+(not\s+)?(\{\s*(Type|Name)\b|NetworkType\b)|\bNetworkKind\s*\.\s*(Type|Name)\s*([=!]=|is\b|switch\b)"), "a test of a kind's name or constant"),
        (new(@"\b(Autoencoder|Cnn|MultiCnn|Classifier)Kind\b"), "a kind class outside its file"),
        (new(@"\bNetworkName\s*([=!]=|is\b|switch\b)|""(autoencoder|cnn|multicnn)""\s*(=>|[=!]=|or\b)|([=!]=|\bis|\bor)\s*""(autoencoder|cnn|multicnn)"""), "a test of a kind's name"),
    ];

    /// <summary>Every match of a branching form in <paramref name="text"/>, as "line: what: code".</summary>
    internal static IReadOnlyList<string> Branches(string text)
    {
        var found = new List<string>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            string code = line.TrimStart();
            if (code.StartsWith("//", StringComparison.Ordinal)) continue; // comments and XML docs
            foreach (var (pattern, what) in Forms)
                if (pattern.IsMatch(line))
                    found.Add($"{i + 1}: {what}: {code.Trim()}");
        }
        return found;
    }

    [Fact]
    public void NoSourceOutsideTheKinds_BranchesOnTheNetworkKind()
    {
        string src = Path.Combine(Repository.Root, "src");
        var offences = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'), Text: File.ReadAllText(f)))
            .Where(f => f.File != KindFile)
            .SelectMany(f => Branches(f.Text).Select(b => $"{f.File}:{b}"))
            .ToList();
        Assert.True(offences.Count == 0,
            "branching on the network kind outside " + KindFile + " (ask the kind a property or add a method to it):\n" + string.Join("\n", offences));
    }

    [Theory]
    [InlineData("if (o.NetworkType == NetworkType.Autoencoder)")]
    [InlineData("var x = type switch { NetworkType.Cnn => 1, _ => 2 };")]
    [InlineData("if (o.NetworkKind == NetworkKind.MultiCnn) return;")]
    [InlineData("if (NetworkKind.Cnn != kind) return;")]
    [InlineData("if (options.NetworkKind.Equals(other)) return;")]
    [InlineData("var n = o.NetworkKind switch { _ => 1 };")]
    [InlineData("if (kind is { Reconstructs: true } && other.NetworkKind != kind) return;")]
    [InlineData("if (model.NetworkKind is CnnKind) return;")]
    [InlineData("if (o.NetworkKind.Name == \"multicnn\") return;")]
    [InlineData("bool ae = job.NetworkType == \"autoencoder\";")]
    [InlineData("var k = name switch { \"cnn\" => 1, _ => 0 };")]
    [InlineData("if (o.NetworkKind.Type is NetworkType.Cnn) return;")]
    [InlineData("if (o.NetworkKind is { Name: \"cnn\" }) return;")]
    public void Branches_FindsEachForm(string code) => Assert.NotEmpty(Branches(code));

    [Theory]
    [InlineData("public override IReadOnlyList<NetworkKind> Networks => [NetworkKind.Cnn, NetworkKind.MultiCnn];")]
    [InlineData("if (rois.Count < o.NetworkKind.MinimumElements)")]
    [InlineData("var g = x.Kind switch { 1 => 2, _ => 3 };")]
    [InlineData("if (NetworkKind.Named(e.GetString()!) is { Reconstructs: true }) return;")]
    [InlineData("if (kind is { Reconstructs: true }) return;")]
    [InlineData("foreach (int? network in o.NetworkKind.NetworkIds(count))")]
    [InlineData("/// <summary>Unlike a <c>NetworkType.Cnn</c>, …</summary>")]
    public void Branches_LeavesAskingTheKindAlone(string code) => Assert.Empty(Branches(code));
}
