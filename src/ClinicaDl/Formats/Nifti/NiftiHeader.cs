using System.Collections.Immutable;

namespace ClinicaDl.Formats.Nifti;

/// <summary>The fields of a NIfTI-1 header that describe the voxel grid, its storage and its position in space.</summary>
/// <remarks>
/// <para>
/// A header is produced by <see cref="NiftiReader"/> (already validated: supported type, matching
/// <c>bitpix</c>, positive and bounded dimensions, a usable <c>vox_offset</c>) or built by
/// <see cref="NiftiImage"/> and <see cref="NiftiWriter"/>. Field names follow <c>nifti1.h</c>; arrays are
/// indexed as in the file (<c>Dim[0]</c> is the rank, <c>Dim[1..3]</c> the spatial sizes).
/// </para>
/// <para>
/// <see cref="Affine"/> is chosen the way nibabel's <c>get_best_affine</c> does for the sform and
/// qform: the sform when <see cref="SformCode"/> &gt; 0, else the qform when <see cref="QformCode"/> &gt;
/// 0 (with qfac = −1 when <c>pixdim[0]</c> is negative, +1 otherwise). When both codes are 0 it is
/// the NIfTI-1 "method 1" diagonal <c>diag(pixdim[1], pixdim[2], pixdim[3])</c> with no translation,
/// as <c>nifti1.h</c> specifies; nibabel instead centres an x-flipped grid there (Analyze
/// convention), so files without any transform code are the one place where the two can differ.
/// </para>
/// </remarks>
/// <threadsafety>Immutable; safe to share between threads.</threadsafety>
public sealed class NiftiHeader
{
    internal NiftiHeader() { }

    /// <summary>True when the file stored its header and voxels big-endian (written headers are always little-endian).</summary>
    public bool IsBigEndian { get; internal init; }

    /// <summary>The 8 <c>dim</c> values: <c>Dim[0]</c> is the rank, <c>Dim[1..rank]</c> the sizes.</summary>
    public ImmutableArray<short> Dim { get; internal init; }

    /// <summary>The 8 <c>pixdim</c> values: <c>Pixdim[0]</c> is qfac, <c>Pixdim[1..3]</c> the voxel sizes in <see cref="XyztUnits"/>.</summary>
    public ImmutableArray<float> Pixdim { get; internal init; }

    /// <summary>The voxel type stored in the file.</summary>
    public NiftiDataType DataType { get; internal init; }

    /// <summary>Bits per voxel; always matches <see cref="DataType"/>.</summary>
    public short BitPix { get; internal init; }

    /// <summary>Byte offset of the first voxel from the start of the (uncompressed) file; at least 352.</summary>
    public long VoxOffset { get; internal init; }

    /// <summary>Data scaling slope: value = raw × slope + inter, unless the slope is 0 or not finite (no scaling).</summary>
    public float SclSlope { get; internal init; }

    /// <summary>Data scaling intercept (used only when <see cref="SclSlope"/> applies).</summary>
    public float SclInter { get; internal init; }

    /// <summary>The qform code (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI152).</summary>
    public short QformCode { get; internal init; }

    /// <summary>The sform code (same meanings as <see cref="QformCode"/>).</summary>
    public short SformCode { get; internal init; }

    /// <summary>Quaternion b parameter of the qform rotation.</summary>
    public float QuaternB { get; internal init; }

    /// <summary>Quaternion c parameter of the qform rotation.</summary>
    public float QuaternC { get; internal init; }

    /// <summary>Quaternion d parameter of the qform rotation.</summary>
    public float QuaternD { get; internal init; }

    /// <summary>qform translation along x (mm).</summary>
    public float QoffsetX { get; internal init; }

    /// <summary>qform translation along y (mm).</summary>
    public float QoffsetY { get; internal init; }

    /// <summary>qform translation along z (mm).</summary>
    public float QoffsetZ { get; internal init; }

    /// <summary>First row of the sform matrix (4 values).</summary>
    public ImmutableArray<float> SrowX { get; internal init; }

    /// <summary>Second row of the sform matrix (4 values).</summary>
    public ImmutableArray<float> SrowY { get; internal init; }

    /// <summary>Third row of the sform matrix (4 values).</summary>
    public ImmutableArray<float> SrowZ { get; internal init; }

    /// <summary>Space and time units (bits 0–2 space: 2 = mm; bits 3–5 time: 8 = s).</summary>
    public byte XyztUnits { get; internal init; }

    /// <summary>The free-text description (at most 80 bytes in the file).</summary>
    public string Descrip { get; internal init; } = "";

    /// <summary>The voxel-to-world transform (see the class remarks for which one).</summary>
    public Affine Affine { get; internal init; } = Affine.Identity;

    /// <summary>The rank, <c>Dim[0]</c>.</summary>
    public int Rank => Dim[0];

    /// <summary>The three spatial sizes (X, Y, Z), as a new array.</summary>
    public int[] SpatialShape => LeadingSingleton ? [Dim[2], Dim[3], Dim[4]] : [Dim[1], Dim[2], Dim[3]];

    /// <summary>True for a 4-D image of shape (1, X, Y, Z), as ClinicaDL 0.2.1 writes masks: its volume is read as X×Y×Z
    /// (same voxel order); the affine still describes the stored axes, so it is not the volume's geometry.</summary>
    public bool LeadingSingleton => IsLeadingSingleton(Dim);

    internal static bool IsLeadingSingleton(IReadOnlyList<short> dim) => dim[0] == 4 && dim[1] == 1 && dim[4] > 1;

    /// <summary>Volumes stored (the 4th axis of an X×Y×Z×T image read with <see cref="NiftiReader.ReadVolumes"/>); 1 for every other image.</summary>
    public int Volumes { get; internal init; } = 1;

    /// <summary>Number of voxels stored: the volume's, times <see cref="Volumes"/>.</summary>
    public long VoxelCount => (long)SpatialShape[0] * SpatialShape[1] * SpatialShape[2] * Volumes;

    /// <summary>True when voxel values are raw × <see cref="SclSlope"/> + <see cref="SclInter"/> (slope neither 0 nor non-finite).</summary>
    public bool HasScaling => SclSlope != 0 && float.IsFinite(SclSlope);
}
