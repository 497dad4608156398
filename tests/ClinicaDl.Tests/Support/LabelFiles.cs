namespace ClinicaDl.Tests.Support;

/// <summary>Writes small label TSV files for tests.</summary>
internal static class LabelFiles
{
    public const string Header = "participant_id\tsession_id\tdiagnosis\tage_bl\tsex";

    public static void Write(string path, params string[] rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Header + "\n" + string.Join("", rows.Select(r => r + "\n")));
    }

    public static string Row(string participant, string diagnosis, string session = "ses-M00", int age = 70, string sex = "F")
        => $"{participant}\t{session}\t{diagnosis}\t{age}\t{sex}";
}
