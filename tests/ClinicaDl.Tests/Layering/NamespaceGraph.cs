using System.Reflection;

namespace ClinicaDl.Tests.Layering;

/// <summary>Which namespaces of an assembly use which others: from member signatures, base types, attributes and
/// every type, method and field token in method bodies (IL), so a dependency hidden in a method body counts too.</summary>
public static class NamespaceGraph
{
    /// <summary>For each namespace of <paramref name="assembly"/>, the namespaces of the same assembly it uses, each
    /// with one example "type → type" pair that shows the use.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Of(Assembly assembly)
    {
        var graph = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            string? from = type.Namespace;
            if (from is null) continue;
            var edges = graph.TryGetValue(from, out var e) ? e : graph[from] = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var used in UsedTypes(type))
            {
                foreach (var t in Expand(used))
                {
                    if (t.Assembly != assembly || t.Namespace is null || t.Namespace == from) continue;
                    edges.TryAdd(t.Namespace, $"{Name(type)} → {Name(t)}");
                }
            }
        }
        return graph.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, string>)kv.Value, StringComparer.Ordinal);
    }

    private static string Name(Type t) => (t.DeclaringType is { } d ? Name(d) + "+" : t.Namespace + ".") + t.Name;

    private static IEnumerable<Type> Expand(Type t)
    {
        if (t.HasElementType) { foreach (var x in Expand(t.GetElementType()!)) yield return x; yield break; }
        if (t.IsGenericParameter) yield break;
        yield return t.IsGenericType ? t.GetGenericTypeDefinition() : t;
        if (t.IsGenericType)
            foreach (var a in t.GetGenericArguments())
                foreach (var x in Expand(a)) yield return x;
    }

    private static IEnumerable<Type> UsedTypes(Type type)
    {
        const BindingFlags all = MethodBodies.Declared;
        if (type.BaseType is { } b) yield return b;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var a in type.GetCustomAttributesData()) yield return a.AttributeType;
        foreach (var f in type.GetFields(all)) yield return f.FieldType;
        foreach (var p in type.GetProperties(all)) yield return p.PropertyType;
        foreach (var ev in type.GetEvents(all)) if (ev.EventHandlerType is { } h) yield return h;
        foreach (var m in MethodBodies.MethodsOf(type))
        {
            if (m is MethodInfo mi) yield return mi.ReturnType;
            foreach (var p in m.GetParameters()) yield return p.ParameterType;
            foreach (var t in BodyTypes(m)) yield return t;
        }
    }

    /// <summary>Types named by the operands of a method body's instructions.</summary>
    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        foreach (var instruction in MethodBodies.Instructions(method))
        {
            switch (instruction.Member)
            {
                case Type t: yield return t; break;
                case FieldInfo f: yield return f.DeclaringType!; yield return f.FieldType; break;
                case MethodBase m:
                    yield return m.DeclaringType!;
                    if (m is MethodInfo { IsGenericMethod: true } g) foreach (var a in g.GetGenericArguments()) yield return a;
                    break;
            }
        }
    }
}
