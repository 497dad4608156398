namespace ClinicaDl.Data;

/// <summary>How a <see cref="PatchCache"/> decodes and where it keeps patches.</summary>
/// <param name="Workers">Images decoded in parallel (<c>-np/--nproc</c>).</param>
/// <param name="MemoryBudgetBytes">Bytes of patches kept in memory (<c>--cache_memory</c>); beyond it patches spill to a memory-mapped file.</param>
/// <param name="ScratchFolder">Where the spill file goes (the output folder's <c>.scratch</c>); it is unlinked as soon as it is mapped.</param>
public sealed record PatchCacheOptions(int Workers, long MemoryBudgetBytes, string ScratchFolder)
{
    /// <summary>The default memory budget: half of the memory available to this process.</summary>
    public static long DefaultMemoryBudget => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
}
