using System.Diagnostics;
using System.Text;
using ClinicaDl.Caps;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Tests.Formats.Tsv;

/// <summary>Mutations of valid label files (fixed seed): the readers either accept them or throw <see cref="TsvFormatException"/>, and never hang.</summary>
public sealed class TsvFuzzTests
{
    private const int Mutations = 10_000;

    private static readonly string[] Seeds =
    [
        "participant_id\tsession_id\tdiagnosis\tage_bl\tsex\nsub-01\tses-M00\tAD\t70\tF\nsub-02\tses-M12\tCN\t65\tM\n",
        "participant_id\tsession_id\tdiagnosis\nsub-ADNI011S0002\tses-M00\tMCI\nsub-ADNI011S0002\tses-M06\tpMCI\r\nsub-X\tses-M00\tsMCI\n",
        "\uFEFFparticipant_id\tsession_id\ndiagnosis\n",
    ];

    private static readonly string[] Tokens = ["\t", "\n", "\r\n", "\0", "sub-", "ses-M", "/", "..", "\"", "AD", "participant_id", "\uFEFF", "\u00e9", "\ud83d\ude00", "", " "];

    private static byte[] Mutate(Random rng, string seed)
    {
        var s = new StringBuilder(seed);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int at = s.Length == 0 ? 0 : rng.Next(s.Length);
            switch (rng.Next(4))
            {
                case 0: if (s.Length > 0) s.Remove(at, Math.Min(s.Length - at, 1 + rng.Next(8))); break;
                case 1: s.Insert(at, Tokens[rng.Next(Tokens.Length)]); break;
                case 2: if (s.Length > 0) s[at] = (char)rng.Next(1, 0x250); break;
                default: s.Length = rng.Next(s.Length + 1); break;
            }
        }
        byte[] bytes = Encoding.UTF8.GetBytes(s.ToString());
        if (rng.Next(10) == 0 && bytes.Length > 0) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256); // invalid UTF-8 sometimes
        return bytes;
    }

    [Fact]
    public void Parse_MutatedLabelFiles_AcceptOrThrowTsvFormatException()
    {
        var rng = new Random(42);
        int accepted = 0, rejected = 0;
        var slowest = TimeSpan.Zero;
        for (int n = 0; n < Mutations; n++)
        {
            byte[] input = Mutate(rng, Seeds[n % Seeds.Length]);
            var watch = Stopwatch.StartNew();
            try
            {
                var table = TsvTable.Parse("fuzz.tsv", input);
                LabelFile.FromTable(table, "single", "/caps");
                accepted++;
            }
            catch (TsvFormatException e)
            {
                Assert.Contains("fuzz.tsv", e.Message);
                rejected++;
            }
            if (watch.Elapsed > slowest) slowest = watch.Elapsed;
        }
        Assert.Equal(Mutations, accepted + rejected);
        Assert.True(rejected > Mutations / 10 && accepted > 100, $"accepted {accepted}, rejected {rejected}: the mutations do not exercise both paths");
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"an input took {slowest}");
    }
}
