namespace ClinicaDl.Formats.Nifti;

/// <summary>The voxel types this library reads and writes, with their NIfTI-1 <c>datatype</c> codes.</summary>
/// <remarks>
/// These are the types clinica and common tools write for anatomical images. Complex, RGB, 64-bit
/// integer and 128-bit float codes are rejected with a <see cref="Errors.NiftiFormatException"/> naming
/// the field <c>datatype</c>.
/// </remarks>
public enum NiftiDataType : short
{
    /// <summary>Unsigned 8-bit integer (NIFTI_TYPE_UINT8).</summary>
    UInt8 = 2,
    /// <summary>Signed 16-bit integer (NIFTI_TYPE_INT16).</summary>
    Int16 = 4,
    /// <summary>Signed 32-bit integer (NIFTI_TYPE_INT32).</summary>
    Int32 = 8,
    /// <summary>IEEE 32-bit float (NIFTI_TYPE_FLOAT32).</summary>
    Float32 = 16,
    /// <summary>IEEE 64-bit float (NIFTI_TYPE_FLOAT64).</summary>
    Float64 = 64,
    /// <summary>Signed 8-bit integer (NIFTI_TYPE_INT8).</summary>
    Int8 = 256,
    /// <summary>Unsigned 16-bit integer (NIFTI_TYPE_UINT16).</summary>
    UInt16 = 512,
}

/// <summary>Sizes and code checks for <see cref="NiftiDataType"/>.</summary>
internal static class NiftiDataTypes
{
    /// <summary>True when <paramref name="code"/> is one of the supported <c>datatype</c> codes.</summary>
    public static bool IsSupported(short code) => code switch
    {
        2 or 4 or 8 or 16 or 64 or 256 or 512 => true,
        _ => false,
    };

    /// <summary>Bytes per voxel.</summary>
    public static int Size(this NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 or NiftiDataType.Int8 => 1,
        NiftiDataType.Int16 or NiftiDataType.UInt16 => 2,
        NiftiDataType.Int32 or NiftiDataType.Float32 => 4,
        NiftiDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a supported NIfTI data type"),
    };

    /// <summary>The <c>bitpix</c> value that goes with the type.</summary>
    public static short BitPix(this NiftiDataType type) => (short)(type.Size() * 8);
}
