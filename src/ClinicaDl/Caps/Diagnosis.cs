namespace ClinicaDl.Caps;

/// <summary>The diagnosis names ClinicaDL accepts and the binary label table of spec §4.2.</summary>
/// <remarks>CN and sMCI are class 0; AD, BV, MCI and pMCI are class 1 (kept as in 0.2.1).</remarks>
public static class Diagnosis
{
    /// <summary>Every name accepted by <c>--diagnoses</c>, in ClinicaDL's order.</summary>
    public static readonly IReadOnlyList<string> Names = ["AD", "BV", "CN", "MCI", "sMCI", "pMCI"];

    /// <summary>The default of <c>--diagnoses</c>.</summary>
    public static readonly IReadOnlyList<string> Default = ["AD", "CN"];

    /// <summary>The class of <paramref name="diagnosis"/>, or null when it is not a known name.</summary>
    public static int? Label(string diagnosis) => diagnosis switch
    {
        "CN" or "sMCI" => 0,
        "AD" or "BV" or "MCI" or "pMCI" => 1,
        _ => null,
    };
}
