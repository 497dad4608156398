using System.Diagnostics;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Formats.Nifti;

/// <summary>Mutations of valid files (fixed seed): the reader either reads them or throws <see cref="NiftiFormatException"/>, and never hangs.</summary>
public sealed class NiftiReaderFuzzTests
{
    private const int Mutations = 10_000;

    private static byte[] Mutate(Random rng, byte[] original, int headerBytes)
    {
        byte[] b = (byte[])original.Clone();
        switch (rng.Next(6))
        {
            case 0: // flip bytes, mostly in the header
            case 1:
                int flips = 1 + rng.Next(8);
                for (int f = 0; f < flips; f++)
                {
                    int at = rng.Next(4) > 0 ? rng.Next(Math.Min(headerBytes, b.Length)) : rng.Next(b.Length);
                    b[at] ^= (byte)(1 + rng.Next(255));
                }
                return b;
            case 2: // set a header short/float to an extreme value
                int pos = rng.Next(Math.Min(headerBytes, b.Length) - 4);
                byte[] extreme = rng.Next(3) switch
                {
                    0 => BitConverter.GetBytes(short.MinValue).Concat(BitConverter.GetBytes((short)-1)).ToArray(),
                    1 => BitConverter.GetBytes(float.NaN),
                    _ => BitConverter.GetBytes(rng.Next(2) == 0 ? 3e38f : -1e-40f),
                };
                extreme.CopyTo(b, pos);
                return b;
            case 3: // truncate
                return b[..rng.Next(b.Length)];
            case 4: // splice a segment over another place
                int len = 1 + rng.Next(64), from = rng.Next(b.Length - len), to = rng.Next(b.Length - len);
                Array.Copy(original, from, b, to, len);
                return b;
            default: // insert or delete a few bytes
                int where = rng.Next(b.Length);
                int n = 1 + rng.Next(16);
                return rng.Next(2) == 0
                    ? [.. b[..where], .. Enumerable.Repeat((byte)rng.Next(256), n), .. b[where..]]
                    : [.. b[..where], .. b[Math.Min(b.Length, where + n)..]];
        }
    }

    [Fact]
    public void Read_MutatedFiles_ReadOrThrowNiftiFormatException()
    {
        using var dir = new TempDir();
        var sources = new (byte[] Plain, string Kind)[]
        {
            (new NiftiFileBuilder { SformCode = 1 }.WithValues(NiftiFileBuilder.Ramp()).Build(), "float32"),
            (new NiftiFileBuilder { DataType = 4, SclSlope = 0.5f, SclInter = 2, QformCode = 1, Quatern = [0, 0, 0.5f] }.WithValues(NiftiFileBuilder.Ramp()).Build(), "int16"),
            (new NiftiFileBuilder { BigEndian = true, DataType = 64, Dim = [4, 7, 5, 3, 1, 1, 1, 1] }.WithValues(NiftiFileBuilder.Ramp()).Build(), "float64 big-endian 4-D"),
        };
        var rng = new Random(20240611);
        string path = dir.Combine("fuzz.nii.gz");
        int read = 0, rejected = 0;
        var fields = new SortedDictionary<string, int>();
        var clock = Stopwatch.StartNew();

        for (int i = 0; i < Mutations; i++)
        {
            var (plain, kind) = sources[i % sources.Length];
            byte[] bytes = (i / sources.Length % 3) switch
            {
                0 => Mutate(rng, plain, 352),                               // .nii
                1 => NiftiFileBuilder.Gzip(Mutate(rng, plain, 352)),        // valid gzip of a mutated file
                _ => Mutate(rng, NiftiFileBuilder.Gzip(plain), 64),         // mutated gzip stream
            };
            File.WriteAllBytes(path, bytes);
            try
            {
                NiftiImage image = NiftiReader.Read(path);
                Assert.Equal((long)image.SizeX * image.SizeY * image.SizeZ, image.Data.LongLength);
                read++;
            }
            catch (NiftiFormatException e)
            {
                Assert.Contains(path, e.Message, StringComparison.Ordinal);
                fields[e.Field] = fields.GetValueOrDefault(e.Field) + 1;
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} of the {kind} file ({bytes.Length} bytes, first 16: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(16, bytes.Length)))}) threw {e.GetType().Name}: {e.Message}");
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing stalled at mutation {i}");
        }

        Assert.Equal(Mutations, read + rejected);
        Assert.True(rejected > Mutations / 4, $"only {rejected} rejected: the mutations are too gentle");
        Assert.True(fields.Count >= 6, "rejections by field: " + string.Join(", ", fields.Select(kv => $"{kv.Key}={kv.Value}")));
    }
}
