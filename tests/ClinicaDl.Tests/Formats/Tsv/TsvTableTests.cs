using System.Text;
using ClinicaDl.Errors;
using ClinicaDl.Formats.Tsv;

namespace ClinicaDl.Tests.Formats.Tsv;

public sealed class TsvTableTests
{
    private static TsvTable Parse(string text) => TsvTable.Parse("labels.tsv", Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Parse_CrlfBomAndTrailingBlankLines_AreAccepted()
    {
        var t = Parse("\uFEFFparticipant_id\tsession_id\r\nsub-1\tses-M00\r\n\r\n\n");
        Assert.Equal(["participant_id", "session_id"], t.Columns);
        Assert.Single(t.Rows);
        Assert.Equal("ses-M00", t.Rows[0][1]);
    }

    [Fact]
    public void Parse_RaggedRow_NamesFileAndRow()
    {
        var e = Assert.Throws<TsvFormatException>(() => Parse("a\tb\n1\t2\n3\n"));
        Assert.Equal(2, e.Row);
        Assert.Contains("labels.tsv, row 2", e.Message);
    }

    [Fact]
    public void Parse_EmptyFile_IsAnError()
    {
        var e = Assert.Throws<TsvFormatException>(() => Parse(""));
        Assert.Contains("labels.tsv", e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Parse_DuplicateColumn_IsAnError()
    {
        var e = Assert.Throws<TsvFormatException>(() => Parse("a\ta\n1\t2\n"));
        Assert.Contains("\"a\" appears twice", e.Message);
    }

    [Fact]
    public void Parse_BinaryContent_IsAnError()
    {
        var e = Assert.Throws<TsvFormatException>(() => TsvTable.Parse("x.tsv", [0x41, 0x00, 0x0a, 0xff, 0xfe]));
        Assert.Contains("x.tsv", e.Message);
    }

    [Fact]
    public void IndexOf_MissingColumn_ListsColumnsFound()
    {
        var t = Parse("participant_id\tsession_id\nsub-1\tses-M00\n");
        var e = Assert.Throws<TsvFormatException>(() => t.IndexOf("diagnosis"));
        Assert.Contains("\"diagnosis\" is missing", e.Message);
        Assert.Contains("\"participant_id\"", e.Message);
    }

    [Fact]
    public void Read_MissingFile_NamesIt()
    {
        var e = Assert.Throws<TsvFormatException>(() => TsvTable.Read("/nonexistent/AD.tsv"));
        Assert.Contains("/nonexistent/AD.tsv", e.Message);
    }
}
