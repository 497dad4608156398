using System.Reflection;
using System.Reflection.Emit;
using ClinicaDl.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Layering;

/// <summary>The library and the CLI pass LibTorch no <see cref="Scalar"/> that the garbage collector may free during the
/// native call (<see cref="HeldScalars"/>): read from the compiled code, so a new <c>x + y</c>, <c>x * 0.5</c> or
/// <c>nn.BatchNorm3d</c> anywhere fails here rather than once in a thousand CI runs.</summary>
public sealed class TemporaryScalarTests
{
    private static readonly Assembly[] Ours = [typeof(HeldScalars).Assembly, typeof(ClinicaDl.Cli.CliApp).Assembly];

    private static readonly Assembly TorchSharpAssembly = typeof(Scalar).Assembly;

    /// <summary>A call that returns a new Scalar made from a .NET value (the implicit conversions, <c>ToScalar</c>).</summary>
    private static bool MakesScalar(MemberInfo? member)
        => member is MethodInfo { Name: "op_Implicit" or "ToScalar" } m && m.ReturnType == typeof(Scalar);

    /// <summary>Whether a method keeps the Scalars it makes: it disposes a Scalar-typed local after use (<c>using</c>),
    /// or stores a Scalar in a field.</summary>
    private static bool HoldsItsScalars(MethodBase method)
    {
        var locals = method.GetMethodBody()?.LocalVariables;
        Instruction previous = default;
        foreach (var i in MethodBodies.Instructions(method))
        {
            if (i.Member is FieldInfo { FieldType: var f } && f == typeof(Scalar) && (i.Op == OpCodes.Stfld || i.Op == OpCodes.Stsfld))
                return true;
            if (i.Member is MethodInfo { Name: "Dispose" } && previous.LoadedLocal is int local && locals is not null
                && local < locals.Count && locals[local].LocalType == typeof(Scalar))
                return true;
            previous = i;
        }
        return false;
    }

    private static IEnumerable<MethodBase> Calls(MethodBase method)
        => MethodBodies.Instructions(method).Select(i => i.Member).OfType<MethodBase>();

    /// <summary>TorchSharp's methods that make a Scalar without holding it, and every TorchSharp method that calls one,
    /// directly or through others (not the conversions themselves: whoever calls one is checked for holding the result).</summary>
    private static readonly Lazy<HashSet<MethodBase>> Unsafe = new(() =>
    {
        var methods = TorchSharpAssembly.GetTypes().SelectMany(MethodBodies.MethodsOf).ToList();
        var calls = methods.ToDictionary(m => m, m => Calls(m).Distinct().ToArray());
        var unsafeMethods = methods.Where(m => !MakesScalar(m) && calls[m].Any(MakesScalar) && !HoldsItsScalars(m)).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var m in methods)
                if (!MakesScalar(m) && !unsafeMethods.Contains(m) && calls[m].Any(unsafeMethods.Contains))
                    grew = unsafeMethods.Add(m);
        }
        return unsafeMethods;
    });

    private static IEnumerable<(Type Type, MethodBase Method)> OurMethods()
        => Ours.SelectMany(a => a.GetTypes()).SelectMany(t => MethodBodies.MethodsOf(t).Select(m => (t, m)));

    private static string Describe(MethodBase m)
        => $"{m.DeclaringType!.FullName!.Replace('+', '.')}.{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    private static MethodBase Member(Type type, string name, params Type[] parameters)
        => (MethodBase?)type.GetMethod(name, MethodBodies.Declared & ~BindingFlags.DeclaredOnly, parameters)
           ?? throw new InvalidOperationException($"{type.Name}.{name} not found");

    [Fact]
    public void TheScan_FindsTorchSharpsTemporaryScalars_AndPassesWhatHoldsThem()
    {
        var bad = Unsafe.Value;
        // Seen crashing: x + y (alpha 1), BatchNorm's forward in training (num_batches_tracked += 1), LeakyReLU's slope.
        Assert.Contains(Member(typeof(Tensor), "op_Addition", typeof(Tensor), typeof(Tensor)), bad);
        Assert.Contains(Member(typeof(Tensor), "op_Division", typeof(Tensor), typeof(int)), bad);
        Assert.Contains(Member(typeof(Tensor), "add_", typeof(Scalar)), bad); // adds with a temporary alpha of 1
        Assert.Contains(Member(typeof(TorchSharp.Modules.BatchNorm), "forward", typeof(Tensor)), bad);
        Assert.Contains(Member(typeof(TorchSharp.Modules.LeakyReLU), "forward", typeof(Tensor)), bad);
        // What the library calls instead takes the caller's Scalar.
        Assert.DoesNotContain(Member(typeof(Tensor), "add", typeof(Tensor), typeof(Scalar)), bad);
        Assert.DoesNotContain(Member(typeof(Tensor), "add_", typeof(Scalar), typeof(Scalar)), bad);
        Assert.DoesNotContain(Member(typeof(Tensor), "leaky_relu", typeof(Scalar)), bad);
        Assert.DoesNotContain(Member(typeof(nn.functional), "batch_norm", typeof(Tensor), typeof(Tensor), typeof(Tensor),
            typeof(Tensor), typeof(Tensor), typeof(bool), typeof(double), typeof(double)), bad);
        Assert.DoesNotContain(Member(typeof(TorchSharp.Modules.Conv3d), "forward", typeof(Tensor)), bad);
    }

    [Fact]
    public void EveryScalarTheLibraryMakes_IsHeldAcrossTheCall()
    {
        var loose = OurMethods()
            .Where(x => MethodBodies.Instructions(x.Method).Any(i => MakesScalar(i.Member)) && !HoldsItsScalars(x.Method))
            .Select(x => Describe(x.Method)).Distinct().ToList();
        Assert.True(loose.Count == 0, "these make a Scalar and neither dispose it after the call nor keep it in a field:\n" + string.Join("\n", loose));
    }

    [Fact]
    public void TheLibraryCallsNoTorchSharpMethod_ThatMakesATemporaryScalar()
    {
        var bad = Unsafe.Value;
        var calls = OurMethods()
            .SelectMany(x => Calls(x.Method).Where(bad.Contains).Select(c => $"{Describe(x.Method)} → {Describe(c)}"))
            .Distinct().ToList();
        Assert.True(calls.Count == 0, "these call a TorchSharp method that passes LibTorch a Scalar it does not hold:\n" + string.Join("\n", calls));
    }

    [Fact]
    public void EveryModuleTheLibraryBuildsOrDefines_ForwardsWithoutATemporaryScalar()
    {
        var bad = Unsafe.Value;
        // Module types the code names: its own, and TorchSharp's it creates, returns from a call, casts to or keeps in fields.
        var named = OurMethods().SelectMany(x => MethodBodies.Instructions(x.Method).Select(i => i.Member switch
            {
                Type t => t,
                MethodInfo m => m.ReturnType,
                ConstructorInfo c => c.DeclaringType,
                FieldInfo f => f.FieldType,
                _ => null,
            }))
            .Concat(Ours.SelectMany(a => a.GetTypes()))
            .OfType<Type>()
            .Where(t => !t.IsAbstract && !t.ContainsGenericParameters && typeof(nn.Module).IsAssignableFrom(t))
            .Distinct();
        var loose = named
            .Select(t => (Type: t, Forward: Forward(t)))
            .Where(x => x.Forward is not null && bad.Contains(x.Forward))
            .Select(x => $"{x.Type.FullName} runs {Describe(x.Forward!)}").ToList();
        Assert.True(loose.Count == 0, "these modules' forward passes make a temporary Scalar:\n" + string.Join("\n", loose));
    }

    /// <summary>The <c>forward(Tensor)</c> a module type runs: its own or the nearest base type's.</summary>
    private static MethodBase? Forward(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
            if (t.GetMethod("forward", MethodBodies.Declared, [typeof(Tensor)]) is { } m)
                return m;
        return null;
    }
}
