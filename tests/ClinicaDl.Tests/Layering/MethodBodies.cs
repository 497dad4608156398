using System.Reflection;
using System.Reflection.Emit;

namespace ClinicaDl.Tests.Layering;

/// <summary>One IL instruction of a method body: its opcode, the member its token names (if any), and the local
/// variable it loads (for <c>ldloc</c>).</summary>
public readonly record struct Instruction(OpCode Op, MemberInfo? Member, int? LoadedLocal);

/// <summary>Reads method bodies (IL) instruction by instruction, resolving member tokens.</summary>
public static class MethodBodies
{
    /// <summary>Every declared method and constructor of a type, static or not, whatever its visibility.</summary>
    public const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The methods and constructors a type declares.</summary>
    public static IEnumerable<MethodBase> MethodsOf(Type type)
        => type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared));

    /// <summary>The instructions of <paramref name="method"/>'s body; none for abstract, extern or runtime methods.</summary>
    public static IEnumerable<Instruction> Instructions(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (InvalidOperationException) { il = null; }
        if (il is null) yield break;
        var module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int pos = 0;
        while (pos < il.Length)
        {
            short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
            pos += il[pos] == 0xFE ? 2 : 1;
            var op = OpCodesByValue[value];
            if (op == OpCodes.Ldloc_0 || op == OpCodes.Ldloc_1 || op == OpCodes.Ldloc_2 || op == OpCodes.Ldloc_3)
            {
                yield return new Instruction(op, null, op.Value - OpCodes.Ldloc_0.Value);
                continue;
            }
            switch (op.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    {
                        MemberInfo? member;
                        try { member = module.ResolveMember(BitConverter.ToInt32(il, pos), typeArgs, methodArgs); }
                        catch (ArgumentException) { member = null; }
                        pos += 4;
                        yield return new Instruction(op, member, null);
                        break;
                    }
                case OperandType.InlineSwitch:
                    pos += 4 + 4 * BitConverter.ToInt32(il, pos);
                    yield return new Instruction(op, null, null);
                    break;
                case OperandType.ShortInlineVar:
                    yield return new Instruction(op, null, op == OpCodes.Ldloc_S ? il[pos] : null);
                    pos += 1;
                    break;
                case OperandType.InlineVar:
                    yield return new Instruction(op, null, op == OpCodes.Ldloc ? BitConverter.ToUInt16(il, pos) : null);
                    pos += 2;
                    break;
                default:
                    pos += op.OperandType switch
                    {
                        OperandType.InlineNone => 0,
                        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI => 1,
                        OperandType.InlineI8 or OperandType.InlineR => 8,
                        _ => 4,
                    };
                    yield return new Instruction(op, null, null);
                    break;
            }
        }
    }
}
