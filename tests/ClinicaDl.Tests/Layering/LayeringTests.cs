using System.Reflection;

namespace ClinicaDl.Tests.Layering;

/// <summary>The library's folders (namespaces) form layers whose imports point down (DESIGN.md, Layout): no namespace
/// imports one of a higher layer, and no two namespaces import each other, directly or through others.</summary>
public sealed class LayeringTests
{
    /// <summary>Layers from the bottom up; a namespace belongs to the layer of its longest listed prefix.</summary>
    private static readonly string[][] Layers =
    [
        ["ClinicaDl.Errors", "ClinicaDl.Common"],
        ["ClinicaDl.Formats"],
        ["ClinicaDl.Caps"],
        ["ClinicaDl.Elements"],
        ["ClinicaDl.Data", "ClinicaDl.Slices", "ClinicaDl.Networks", "ClinicaDl.Evaluation"],
        ["ClinicaDl.Options"],
        ["ClinicaDl.Training"],
        ["ClinicaDl.Outputs"],
        ["ClinicaDl.Runs"],
    ];

    private static readonly Assembly Library = typeof(ClinicaDl.Errors.ClinicaDlException).Assembly;

    /// <summary>The library's own namespaces (not those the compiler generates, such as the regex source generator's).</summary>
    private static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Graph()
        => NamespaceGraph.Of(Library).Where(kv => kv.Key == "ClinicaDl" || kv.Key.StartsWith("ClinicaDl.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);

    private static int LayerOf(string ns)
    {
        int best = -1, bestLength = -1;
        for (int i = 0; i < Layers.Length; i++)
            foreach (var prefix in Layers[i])
                if ((ns == prefix || ns.StartsWith(prefix + ".", StringComparison.Ordinal)) && prefix.Length > bestLength)
                    (best, bestLength) = (i, prefix.Length);
        return best;
    }

    [Fact]
    public void EveryNamespace_BelongsToALayer()
    {
        var unknown = Graph().Keys.Where(ns => LayerOf(ns) < 0).Order().ToList();
        Assert.True(unknown.Count == 0, "namespaces outside the layer table: " + string.Join(", ", unknown));
    }

    [Fact]
    public void NoNamespace_ImportsAHigherLayer()
    {
        var upward = Graph()
            .SelectMany(kv => kv.Value.Where(e => LayerOf(e.Key) > LayerOf(kv.Key)).Select(e => $"{kv.Key} → {e.Key} ({e.Value})"))
            .Order().ToList();
        Assert.True(upward.Count == 0, "upward imports:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void NamespaceGraph_HasNoCycle()
    {
        var graph = Graph();
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        Assert.True(cycles.Count == 0, "namespace cycles:\n" + string.Join("\n", cycles.Select(c =>
            string.Join(", ", c) + ": " + string.Join("; ", c.SelectMany(a => graph[a].Where(e => c.Contains(e.Key)).Select(e => $"{a} → {e.Key} ({e.Value})"))))));
    }

    [Fact]
    public void CycleCheck_FindsACycle()
    {
        var graph = new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["A"] = new Dictionary<string, string> { ["B"] = "" },
            ["B"] = new Dictionary<string, string> { ["C"] = "" },
            ["C"] = new Dictionary<string, string> { ["A"] = "" },
            ["D"] = new Dictionary<string, string> { ["A"] = "" },
        };
        Assert.Equal(["A", "B", "C"], StronglyConnected(graph).Single(c => c.Count > 1).Order());
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<List<string>> StronglyConnected(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();
        int next = 0;
        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.TryGetValue(v, out var edges) ? edges.Keys : [])
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            result.Add(component);
        }
        foreach (var v in graph.Keys) if (!index.ContainsKey(v)) Visit(v);
        return result;
    }
}
