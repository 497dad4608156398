using ClinicaDl.Errors;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Formats.Nifti;

/// <summary>One test per malformed input: each must give a <see cref="NiftiFormatException"/> naming the file and the field.</summary>
public sealed partial class NiftiReaderTests
{
    /// <summary>Reads <paramref name="path"/> and checks the error names the file and one of <paramref name="fields"/>.</summary>
    private static NiftiFormatException AssertRejected(string path, params string[] fields)
    {
        var e = Assert.Throws<NiftiFormatException>(() => NiftiReader.Read(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(e.Field, fields);
        Assert.Contains($"field {e.Field}:", e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.Path);
        return e;
    }

    private static string Write(TempDir dir, string name, NiftiFileBuilder b, IReadOnlyList<double>? values = null)
        => b.WithValues(values ?? NiftiFileBuilder.Ramp()).WriteTo(dir.Combine(name));

    [Fact]
    public void Read_BadSizeofHdr_NamesSizeofHdr()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { SizeofHdr = 540 }), "sizeof_hdr");
    }

    [Fact]
    public void Read_BadMagic_NamesMagic()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { Magic = "n+2\0" }), "magic");
    }

    [Fact]
    public void Read_HdrImgPairMagic_NamesMagic()
    {
        using var dir = new TempDir();
        var e = AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { Magic = "ni1\0" }), "magic");
        Assert.Contains(".hdr/.img", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ZeroDim_NamesDim()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { Dim = [3, 7, 0, 3, 1, 1, 1, 1] }, []), "dim");
    }

    [Fact]
    public void Read_NegativeDim_NamesDim()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { Dim = [3, 7, 5, -3, 1, 1, 1, 1] }, []), "dim");
    }

    [Theory]
    [InlineData((short)0)]
    [InlineData((short)6)]
    [InlineData((short)9)]
    public void Read_RankOutOfRange_NamesDim(short rank)
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { Dim = [rank, 7, 5, 3, 1, 1, 1, 1] }), "dim");
    }

    [Fact]
    public void Read_TwoDimensional_NamesDim()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { Dim = [2, 7, 15, 1, 1, 1, 1, 1] }), "dim");
    }

    [Fact]
    public void Read_AbsurdAxis_NamesDimWithoutAllocating()
    {
        using var dir = new TempDir();
        string path = Write(dir, "a.nii", new NiftiFileBuilder { Dim = [3, 32767, 32767, 32767, 1, 1, 1, 1] });

        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected(path, "dim");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Read_TooManyVoxels_NamesDimWithoutAllocating()
    {
        using var dir = new TempDir();
        string path = Write(dir, "a.nii.gz", new NiftiFileBuilder { Dim = [3, 4000, 4000, 4000, 1, 1, 1, 1] });

        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected(path, "dim");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Read_LargeClaimInSmallGzip_NamesDataWithoutAllocating()
    {
        using var dir = new TempDir();
        // 1024³ float32 = 4 GiB claimed; the file holds 105 voxels.
        string path = Write(dir, "a.nii.gz", new NiftiFileBuilder { Dim = [3, 1024, 1024, 1024, 1, 1, 1, 1] });

        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected(path, "data");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [Fact]
    public void Read_LargeClaimDisagreeingWithGzipTrailer_NamesDataWithoutAllocatingTheClaim()
    {
        using var dir = new TempDir();
        // 1024×1024×256 float32 = 1 GiB claimed; 2 MiB of incompressible voxels present, so the deflate
        // ratio allows the claim but the trailer does not: the reader must read as data arrives.
        var b = new NiftiFileBuilder { Dim = [3, 1024, 1024, 256, 1, 1, 1, 1], Data = new byte[2 << 20] };
        new Random(3).NextBytes(b.Data);
        string path = b.WriteTo(dir.Combine("a.nii.gz"));

        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected(path, "data");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
    }

    [Fact]
    public void Read_UnsupportedDatatype_NamesDatatype()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { DataType = 32 /* complex64 */, BitPix = 64, Data = new byte[105 * 8] };
        AssertRejected(b.WriteTo(dir.Combine("a.nii")), "datatype");
    }

    [Fact]
    public void Read_BitpixMismatch_NamesBitpix()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { BitPix = 16 }), "bitpix");
    }

    [Fact]
    public void Read_VoxOffsetBelow352_NamesVoxOffset()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { VoxOffset = 0 }), "vox_offset");
    }

    [Fact]
    public void Read_VoxOffsetNotWhole_NamesVoxOffset()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { VoxOffset = 352.5f }), "vox_offset");
    }

    [Fact]
    public void Read_NonFiniteInterWithSlope_NamesSclInter()
    {
        using var dir = new TempDir();
        AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { SclSlope = 2, SclInter = float.NaN }), "scl_inter");
    }

    [Fact]
    public void Read_NonFiniteSform_NamesSrow()
    {
        using var dir = new TempDir();
        var b = new NiftiFileBuilder { SformCode = 1, Srow = [1, 0, 0, 0, 0, float.PositiveInfinity, 0, 0, 0, 0, 1, 0] };
        AssertRejected(Write(dir, "a.nii", b), "srow_y");
    }

    [Fact]
    public void Read_TruncatedNii_NamesData()
    {
        using var dir = new TempDir();
        string path = dir.Combine("a.nii");
        byte[] full = new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp()).Build();
        File.WriteAllBytes(path, full[..^10]);

        var e = AssertRejected(path, "data");
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedNiiGz_NamesDataOrGzip()
    {
        using var dir = new TempDir();
        string path = dir.Combine("a.nii.gz");
        byte[] gz = NiftiFileBuilder.Gzip(new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp()).Build());
        File.WriteAllBytes(path, gz[..(gz.Length * 2 / 3)]);

        AssertRejected(path, "data", "gzip");
    }

    [Fact]
    public void Read_GzipMissingOnlyItsTrailer_NamesDataOrGzip()
    {
        using var dir = new TempDir();
        string path = dir.Combine("a.nii.gz");
        byte[] gz = NiftiFileBuilder.Gzip(new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp()).Build());
        File.WriteAllBytes(path, gz[..^8]);

        // The voxels are all there; only the CRC and size are missing. Accepting it is fine, crashing is not.
        try
        {
            Assert.Equal(105, NiftiReader.Read(path).Data.Length);
        }
        catch (NiftiFormatException e)
        {
            Assert.Contains(e.Field, new[] { "data", "gzip" });
        }
    }

    [Fact]
    public void Read_CorruptGzip_NamesGzip()
    {
        using var dir = new TempDir();
        string path = dir.Combine("a.nii.gz");
        byte[] gz = NiftiFileBuilder.Gzip(new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp()).Build());
        for (int i = 12; i < gz.Length - 8; i += 3) gz[i] ^= 0x5a; // scramble the deflate blocks, keep the gzip header
        File.WriteAllBytes(path, gz);

        AssertRejected(path, "gzip", "data", "sizeof_hdr", "magic");
    }

    [Fact]
    public void Read_BadGzipHeader_NamesGzip()
    {
        using var dir = new TempDir();
        string path = dir.Combine("a.nii.gz");
        File.WriteAllBytes(path, [0x1f, 0x8b, 0x63, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // method 0x63 is not deflate

        AssertRejected(path, "gzip");
    }

    [Fact]
    public void Read_RandomBytes_NamesSizeofHdr()
    {
        using var dir = new TempDir();
        string path = dir.Combine("random.nii");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        AssertRejected(path, "sizeof_hdr");
    }

    [Fact]
    public void Read_EmptyFile_NamesSizeofHdr()
    {
        using var dir = new TempDir();
        string path = dir.Combine("empty.nii.gz");
        File.WriteAllBytes(path, []);

        AssertRejected(path, "sizeof_hdr");
    }

    [Fact]
    public void Read_TextFile_NamesSizeofHdr()
    {
        using var dir = new TempDir();
        string path = dir.Combine("notes.nii");
        File.WriteAllText(path, "participant_id\tsession_id\tdiagnosis\nsub-01\tses-M00\tAD\n");

        AssertRejected(path, "sizeof_hdr");
    }

    [Fact]
    public void Read_FourDimensionalWithSeveralVolumes_NamesDim()
    {
        using var dir = new TempDir();
        var e = AssertRejected(Write(dir, "a.nii", new NiftiFileBuilder { Dim = [4, 7, 5, 3, 2, 1, 1, 1] }, NiftiFileBuilder.Ramp(210)), "dim");
        Assert.Contains("dim[4] = 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadHeader_TruncatedNii_NamesData()
    {
        using var dir = new TempDir();
        string path = dir.Combine("a.nii");
        File.WriteAllBytes(path, new NiftiFileBuilder().WithValues(NiftiFileBuilder.Ramp()).Build()[..400]);

        var e = Assert.Throws<NiftiFormatException>(() => NiftiReader.ReadHeader(path));
        Assert.Equal("data", e.Field);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadHeader_BadMagicInGzip_NamesMagic()
    {
        using var dir = new TempDir();
        string path = new NiftiFileBuilder { Magic = "abcd" }.WriteTo(dir.Combine("a.nii.gz"));

        var e = Assert.Throws<NiftiFormatException>(() => NiftiReader.ReadHeader(path));
        Assert.Equal("magic", e.Field);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }
}
