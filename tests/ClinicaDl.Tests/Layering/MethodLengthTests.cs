using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace ClinicaDl.Tests.Layering;

/// <summary>No method of the library or the CLI runs over 80 lines between its braces (issue 11: a method that long
/// does several things; split it). Measured from the portable PDBs' sequence points, so a method's local functions
/// and lambdas count towards it where they are written inside it; generated sources are not ours and are skipped, and so
/// are static constructors (they hold the static field initialisers, i.e. declarations, from all over a class).</summary>
public sealed class MethodLengthTests
{
    private const int MaxLines = 80;

    public static TheoryData<string> Assemblies => new() { "ClinicaDl.Library", "clinicadl" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void NoMethodIsLongerThan80Lines(string assembly)
    {
        var tooLong = LongMethods(assembly, MaxLines).ToList();
        Assert.True(tooLong.Count == 0, $"methods over {MaxLines} lines in {assembly}: {string.Join("; ", tooLong)}");
    }

    [Fact]
    public void TheMeasure_FindsTheLongestMethods()
    {
        // The measure itself: with a low limit it must report methods, and the longest it reports is what the limit allows.
        var atTen = LongMethods("ClinicaDl.Library", 10).ToList();
        Assert.NotEmpty(atTen);
        Assert.Contains(atTen, m => m.StartsWith("NetworkTrainer+NetworkRun.TrainBatches ", StringComparison.Ordinal));
    }

    /// <summary>"Type.Method (file:line, N lines)" of every method whose body spans more than <paramref name="limit"/> lines.</summary>
    private static IEnumerable<string> LongMethods(string assembly, int limit)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        string pdb = Path.ChangeExtension(dll, ".pdb");
        Assert.True(File.Exists(pdb), $"{pdb} is missing: the test measures methods from the portable PDB.");
        using var pe = new PEReader(File.OpenRead(dll));
        var metadata = pe.GetMetadataReader();
        using var provider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdb));
        var debug = provider.GetMetadataReader();
        foreach (var handle in debug.MethodDebugInformation)
        {
            var points = debug.GetMethodDebugInformation(handle).GetSequencePoints().Where(p => !p.IsHidden).ToList();
            if (points.Count == 0) continue;
            string document = debug.GetString(debug.GetDocument(points[0].Document).Name);
            if (document.Contains("/obj/", StringComparison.Ordinal) || !document.EndsWith(".cs", StringComparison.Ordinal)) continue;
            int first = points.Min(p => p.StartLine), last = points.Max(p => p.EndLine);
            int lines = last - first - 1; // between the braces
            if (lines <= limit) continue;
            var method = metadata.GetMethodDefinition(handle.ToDefinitionHandle());
            // A static constructor holds the static field initialisers wherever they are written (TrainSchema's option declarations).
            if (metadata.GetString(method.Name) == ".cctor") continue;
            yield return $"{TypeName(metadata, method.GetDeclaringType())}.{metadata.GetString(method.Name)} ({Path.GetFileName(document)}:{first}, {lines} lines)";
        }
    }

    private static string TypeName(MetadataReader metadata, TypeDefinitionHandle handle)
    {
        var type = metadata.GetTypeDefinition(handle);
        string name = metadata.GetString(type.Name);
        var outer = type.GetDeclaringType();
        return outer.IsNil ? name : $"{TypeName(metadata, outer)}+{name}";
    }
}
