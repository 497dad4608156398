using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using ClinicaDl.Errors;

namespace ClinicaDl.Formats.Nifti;

/// <summary>Decodes and validates the 348-byte NIfTI-1 header, and encodes the headers we write.</summary>
/// <remarks>Byte offsets are those of <c>struct nifti_1_header</c> in <c>nifti1.h</c>.</remarks>
internal static class NiftiHeaderCodec
{
    /// <summary>Size of the NIfTI-1 header (<c>sizeof_hdr</c>).</summary>
    public const int HeaderSize = 348;

    /// <summary>Header plus the 4-byte extension flag: the smallest <c>vox_offset</c> of a single-file image, and the one we write.</summary>
    public const int MinVoxOffset = 352;

    /// <summary>Largest accepted size along one spatial axis.</summary>
    public const int MaxSpatialSize = 4096;

    /// <summary>Largest accepted voxel count (2^30), which bounds every allocation the reader makes.</summary>
    public const long MaxVoxels = 1L << 30;

    private const int OffDim = 40, OffDatatype = 70, OffBitpix = 72, OffPixdim = 76, OffVoxOffset = 108,
        OffSclSlope = 112, OffSclInter = 116, OffXyztUnits = 123, OffDescrip = 148, OffQformCode = 252,
        OffSformCode = 254, OffQuatern = 256, OffSrow = 280, OffMagic = 344;

    private const int DescripLength = 80;

    /// <summary>Decodes <paramref name="bytes"/> (at least 348) and checks every field the reader relies on.</summary>
    /// <param name="bytes">The header bytes.</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="allowVolumes">Accept a 4-D image of several volumes (X, Y, Z, T): only readers that handle <see cref="NiftiHeader.Volumes"/> ask for it.</param>
    /// <exception cref="NiftiFormatException">A field is invalid or unsupported; the message names <paramref name="path"/> and the field.</exception>
    public static NiftiHeader Decode(ReadOnlySpan<byte> bytes, string path, bool allowVolumes = false)
    {
        if (bytes.Length < HeaderSize)
            throw new NiftiFormatException(path, "sizeof_hdr", Inv($"the file holds {bytes.Length} bytes, fewer than the {HeaderSize}-byte NIfTI-1 header."));

        int le = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        int be = BinaryPrimitives.ReadInt32BigEndian(bytes);
        bool big;
        if (le == HeaderSize) big = false;
        else if (be == HeaderSize) big = true;
        else throw new NiftiFormatException(path, "sizeof_hdr", Inv($"must be {HeaderSize} in either byte order, not {le} (little-endian) / {be} (big-endian); this is not a NIfTI-1 file."));
        var r = new FieldReader(bytes, big);

        ReadOnlySpan<byte> magic = bytes.Slice(OffMagic, 4);
        if (!magic.SequenceEqual("n+1\0"u8))
        {
            if (magic.SequenceEqual("ni1\0"u8))
                throw new NiftiFormatException(path, "magic", "is \"ni1\" (a .hdr/.img pair); only single-file .nii images (magic \"n+1\") are supported. Convert it, e.g. with nibabel or fslchfiletype NIFTI.");
            throw new NiftiFormatException(path, "magic", Inv($"must be \"n+1\\0\", not {Convert.ToHexString(magic)} (hex); this is not a single-file NIfTI-1 image."));
        }

        var dim = new short[8];
        for (int i = 0; i < 8; i++) dim[i] = r.Int16(OffDim + 2 * i);
        int volumes = CheckDim(dim, path, allowVolumes);

        short code = r.Int16(OffDatatype);
        if (!NiftiDataTypes.IsSupported(code))
            throw new NiftiFormatException(path, "datatype", Inv($"code {code} is not supported; expected one of 2 (uint8), 4 (int16), 8 (int32), 16 (float32), 64 (float64), 256 (int8), 512 (uint16)."));
        var type = (NiftiDataType)code;

        short bitpix = r.Int16(OffBitpix);
        if (bitpix != type.BitPix())
            throw new NiftiFormatException(path, "bitpix", Inv($"must be {type.BitPix()} for datatype {type}, not {bitpix}."));

        float voxOffset = r.Single(OffVoxOffset);
        if (!float.IsFinite(voxOffset) || voxOffset != MathF.Floor(voxOffset) || voxOffset < MinVoxOffset || voxOffset > int.MaxValue)
            throw new NiftiFormatException(path, "vox_offset", Inv($"must be a whole number of bytes from {MinVoxOffset} (header + extension flag) to {int.MaxValue}, not {voxOffset:R}."));

        float slope = r.Single(OffSclSlope), inter = r.Single(OffSclInter);
        if (slope != 0 && float.IsFinite(slope) && !float.IsFinite(inter))
            throw new NiftiFormatException(path, "scl_inter", Inv($"must be finite when scl_slope ({slope:R}) applies, not {inter:R}."));

        var pixdim = new float[8];
        for (int i = 0; i < 8; i++) pixdim[i] = r.Single(OffPixdim + 4 * i);
        var srow = new float[12];
        for (int i = 0; i < 12; i++) srow[i] = r.Single(OffSrow + 4 * i);

        ReadOnlySpan<byte> descrip = bytes.Slice(OffDescrip, DescripLength);
        int nul = descrip.IndexOf((byte)0);
        if (nul >= 0) descrip = descrip[..nul];

        short qformCode = r.Int16(OffQformCode), sformCode = r.Int16(OffSformCode);
        float[] quatern = new float[6];
        for (int i = 0; i < 6; i++) quatern[i] = r.Single(OffQuatern + 4 * i);
        Affine affine = SelectAffine(path, sformCode, srow, qformCode, quatern, pixdim);

        return new NiftiHeader
        {
            IsBigEndian = big,
            Dim = ImmutableArray.Create(dim),
            Volumes = volumes,
            Pixdim = ImmutableArray.Create(pixdim),
            DataType = type,
            BitPix = bitpix,
            VoxOffset = (long)voxOffset,
            SclSlope = slope,
            SclInter = inter,
            QformCode = qformCode,
            SformCode = sformCode,
            QuaternB = quatern[0],
            QuaternC = quatern[1],
            QuaternD = quatern[2],
            QoffsetX = quatern[3],
            QoffsetY = quatern[4],
            QoffsetZ = quatern[5],
            SrowX = ImmutableArray.Create(srow, 0, 4),
            SrowY = ImmutableArray.Create(srow, 4, 4),
            SrowZ = ImmutableArray.Create(srow, 8, 4),
            XyztUnits = bytes[OffXyztUnits],
            Descrip = Encoding.Latin1.GetString(descrip),
            Affine = affine,
        };
    }

    /// <summary>Encodes <paramref name="header"/> little-endian into <paramref name="destination"/> (352 bytes: header + a zero extension flag).</summary>
    public static void Encode(NiftiHeader header, Span<byte> destination)
    {
        Span<byte> b = destination[..MinVoxOffset];
        b.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(b, HeaderSize);
        b[38] = (byte)'r'; // "regular", as nibabel and FSL write it
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteInt16LittleEndian(b[(OffDim + 2 * i)..], header.Dim[i]);
        BinaryPrimitives.WriteInt16LittleEndian(b[OffDatatype..], (short)header.DataType);
        BinaryPrimitives.WriteInt16LittleEndian(b[OffBitpix..], header.BitPix);
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteSingleLittleEndian(b[(OffPixdim + 4 * i)..], header.Pixdim[i]);
        BinaryPrimitives.WriteSingleLittleEndian(b[OffVoxOffset..], header.VoxOffset);
        BinaryPrimitives.WriteSingleLittleEndian(b[OffSclSlope..], header.SclSlope);
        BinaryPrimitives.WriteSingleLittleEndian(b[OffSclInter..], header.SclInter);
        b[OffXyztUnits] = header.XyztUnits;
        byte[] descrip = Encoding.ASCII.GetBytes(header.Descrip);
        descrip.AsSpan(0, Math.Min(descrip.Length, DescripLength - 1)).CopyTo(b[OffDescrip..]);
        BinaryPrimitives.WriteInt16LittleEndian(b[OffQformCode..], header.QformCode);
        BinaryPrimitives.WriteInt16LittleEndian(b[OffSformCode..], header.SformCode);
        float[] q = [header.QuaternB, header.QuaternC, header.QuaternD, header.QoffsetX, header.QoffsetY, header.QoffsetZ];
        for (int i = 0; i < q.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b[(OffQuatern + 4 * i)..], q[i]);
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(b[(OffSrow + 4 * i)..], header.SrowX[i]);
            BinaryPrimitives.WriteSingleLittleEndian(b[(OffSrow + 16 + 4 * i)..], header.SrowY[i]);
            BinaryPrimitives.WriteSingleLittleEndian(b[(OffSrow + 32 + 4 * i)..], header.SrowZ[i]);
        }
        "n+1\0"u8.CopyTo(b[OffMagic..]);
    }

    /// <summary>The header of a 3-D image of <paramref name="shape"/> stored as <paramref name="type"/> with <paramref name="affine"/>.</summary>
    /// <remarks>
    /// The sform holds the affine (rounded to float32, as every NIfTI-1 file does) with
    /// <paramref name="code"/>; the qform holds the same transform with the same code when it is
    /// rotation + zoom, else qform_code is 0. pixdim[1..3] are the column norms, pixdim[0] is qfac,
    /// units are mm and s, the data are unscaled (slope 1, intercept 0) and start at byte 352.
    /// </remarks>
    public static NiftiHeader Create(int[] shape, Affine affine, NiftiDataType type, short code, string descrip)
    {
        var (dx, dy, dz, qfac, quaternion) = NiftiTransforms.Decompose(affine);
        var (qb, qc, qd) = quaternion is { } q ? NiftiTransforms.ToHeaderQuaternion(q.B, q.C, q.D) : (0f, 0f, 0f);
        float[] srow = new float[12];
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 4; c++)
                srow[4 * r + c] = (float)affine[r, c];
        return new NiftiHeader
        {
            Dim = [3, (short)shape[0], (short)shape[1], (short)shape[2], 1, 1, 1, 1],
            Pixdim = [(float)qfac, (float)dx, (float)dy, (float)dz, 1, 1, 1, 1],
            DataType = type,
            BitPix = type.BitPix(),
            VoxOffset = MinVoxOffset,
            SclSlope = 1,
            SclInter = 0,
            QformCode = quaternion is null ? (short)0 : code,
            SformCode = code,
            QuaternB = qb,
            QuaternC = qc,
            QuaternD = qd,
            QoffsetX = (float)affine[0, 3],
            QoffsetY = (float)affine[1, 3],
            QoffsetZ = (float)affine[2, 3],
            SrowX = ImmutableArray.Create(srow, 0, 4),
            SrowY = ImmutableArray.Create(srow, 4, 4),
            SrowZ = ImmutableArray.Create(srow, 8, 4),
            XyztUnits = 2 | 8,
            Descrip = descrip,
            // What a reader gets back: the float32 sform (code > 0 always here).
            Affine = SformAffine(srow),
        };
    }

    /// <returns>The number of volumes (1 unless <paramref name="allowVolumes"/> and the image is X×Y×Z×T).</returns>
    private static int CheckDim(short[] dim, string path, bool allowVolumes)
    {
        int rank = dim[0];
        if (rank < 1 || rank > 7)
            throw new NiftiFormatException(path, "dim", Inv($"dim[0] (the rank) must be 1 to 7, not {rank}."));
        for (int i = 1; i <= rank; i++)
            if (dim[i] <= 0)
                throw new NiftiFormatException(path, "dim", Inv($"dim[{i}] must be positive, not {dim[i]} (dim = {Dims(dim)})."));
        if (rank < 3 || rank > 5)
            throw new NiftiFormatException(path, "dim", Inv($"the image is {rank}-D (dim = {Dims(dim)}); a 3-D image (or a 4-D/5-D one holding a single volume) is expected."));
        // ClinicaDL 0.2.1 writes masks as (1, X, Y, Z) arrays: a leading singleton axis, the volume on axes 2–4.
        int first = NiftiHeader.IsLeadingSingleton(dim) ? 2 : 1;
        int volumes = allowVolumes && rank == 4 && first == 1 ? dim[4] : 1;
        for (int i = first + 3 + (volumes > 1 ? 1 : 0); i <= rank; i++)
            if (dim[i] != 1)
                throw new NiftiFormatException(path, "dim", Inv($"the image is {rank}-D with dim[{i}] = {dim[i]} (dim = {Dims(dim)}); only 3-D images, or 4-D/5-D images with a single volume, are supported. Extract one volume first (e.g. fslroi)."));
        for (int i = first; i < first + 3; i++)
            if (dim[i] > MaxSpatialSize)
                throw new NiftiFormatException(path, "dim", Inv($"dim[{i}] = {dim[i]} exceeds the {MaxSpatialSize}-voxel limit per axis (dim = {Dims(dim)})."));
        long voxels = (long)dim[first] * dim[first + 1] * dim[first + 2] * volumes;
        if (voxels > MaxVoxels)
            throw new NiftiFormatException(path, "dim", Inv($"{dim[first]}×{dim[first + 1]}×{dim[first + 2]}{(volumes > 1 ? $"×{volumes}" : "")} = {voxels} voxels exceeds the limit of {MaxVoxels} (2^30)."));
        return volumes;
    }

    /// <summary>The sform when sform_code &gt; 0, else the qform when qform_code &gt; 0, else the method-1 diagonal.</summary>
    private static Affine SelectAffine(string path, short sformCode, float[] srow, short qformCode, float[] quatern, float[] pixdim)
    {
        if (sformCode > 0)
        {
            CheckFinite(path, "srow_x", srow.AsSpan(0, 4));
            CheckFinite(path, "srow_y", srow.AsSpan(4, 4));
            CheckFinite(path, "srow_z", srow.AsSpan(8, 4));
            return SformAffine(srow);
        }
        if (qformCode > 0)
        {
            CheckFinite(path, "quatern_b", quatern.AsSpan(0, 3));
            CheckFinite(path, "qoffset_x", quatern.AsSpan(3, 3));
            CheckFinite(path, "pixdim", pixdim.AsSpan(0, 4));
            double qfac = pixdim[0] < 0 ? -1 : 1;
            return NiftiTransforms.QformToAffine(quatern[0], quatern[1], quatern[2], qfac,
                pixdim[1], pixdim[2], pixdim[3], quatern[3], quatern[4], quatern[5]);
        }
        CheckFinite(path, "pixdim", pixdim.AsSpan(1, 3));
        return Affine.Diagonal(pixdim[1], pixdim[2], pixdim[3]);
    }

    private static Affine SformAffine(float[] srow) => Affine.FromRows(
        [srow[0], srow[1], srow[2], srow[3]],
        [srow[4], srow[5], srow[6], srow[7]],
        [srow[8], srow[9], srow[10], srow[11]]);

    private static void CheckFinite(string path, string field, ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v))
                throw new NiftiFormatException(path, field, Inv($"holds a non-finite value ({v:R}) in the transform the affine is taken from."));
    }

    private static string Dims(short[] dim) => "[" + string.Join(", ", dim) + "]";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads header fields in the file's byte order.</summary>
    private readonly ref struct FieldReader(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> bytes = bytes;

        public short Int16(int offset) => bigEndian
            ? BinaryPrimitives.ReadInt16BigEndian(bytes[offset..])
            : BinaryPrimitives.ReadInt16LittleEndian(bytes[offset..]);

        public float Single(int offset) => bigEndian
            ? BinaryPrimitives.ReadSingleBigEndian(bytes[offset..])
            : BinaryPrimitives.ReadSingleLittleEndian(bytes[offset..]);
    }
}
