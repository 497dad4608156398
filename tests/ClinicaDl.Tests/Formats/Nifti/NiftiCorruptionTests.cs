using ClinicaDl.Errors;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Formats.Nifti;

public sealed class NiftiCorruptionTests
{
    [Fact]
    public void Read_CorruptedCompressedBody_IsAGzipError_NotWrongVoxels()
    {
        using var dir = new TempDir("corrupt");
        string path = dir.Combine("image.nii.gz");
        var values = Enumerable.Range(0, 40 * 40 * 40).Select(i => (float)Math.Sin(i * 0.001) * 100).ToArray();
        NiftiWriter.Write(path, [40, 40, 40], values, Affine.Identity);
        byte[] bytes = File.ReadAllBytes(path);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++) bytes[i] ^= 0x5a; // the trailer (size, CRC) is intact
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<NiftiFormatException>(() => NiftiReader.Read(path));
        Assert.Contains(path, e.Message);
        // Verify trusts a trailer that agrees (decoding every image up front would double the first epoch): this damage
        // is found when the image is first decoded, in the first epoch, as a failed run (exit 1).
        Assert.Equal([40, 40, 40], NiftiReader.Verify(path).SpatialShape);
    }

    [Fact]
    public void Verify_CompleteFile_ReadsOnlyTheHeader()
    {
        using var dir = new TempDir("verify");
        string path = dir.Combine("image.nii.gz");
        NiftiWriter.Write(path, [10, 11, 12], new float[1320], Affine.Identity);
        Assert.Equal([10, 11, 12], NiftiReader.Verify(path).SpatialShape);
    }
}
