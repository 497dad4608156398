using ClinicaDl.Errors;

namespace ClinicaDl.Caps;

/// <summary>Checks names that become folder names in the split tree.</summary>
internal static class SplitNames
{
    /// <summary><c>--subset_name</c> must be a plain name (letters and digits), never a path.</summary>
    public static void CheckSubsetName(string subsetName)
    {
        if (!BidsLabel.IsLabel(subsetName))
            throw new InvalidOptionException("--subset_name", "letters and digits only (e.g. validation or test)", subsetName);
    }
}
