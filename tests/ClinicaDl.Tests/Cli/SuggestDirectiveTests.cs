using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Cli;

/// <summary>The <c>[suggest:N]</c> directive that samples/completion/{clinicadl.bash,_clinicadl} call for shell completion.</summary>
public sealed class SuggestDirectiveTests
{
    /// <summary>What the completion scripts send: the arguments up to the cursor, and the cursor at their end.</summary>
    private static string[] Suggest(string line)
    {
        var result = CliRunner.Run($"[suggest:{line.Length}]", line);
        Assert.True(result.ExitCode == 0, result.All);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [Fact]
    public void Suggest_PartialOption_CompletesTheOptionName()
    {
        Assert.Equal(["--batch_size"], Suggest("train roi cnn --batch"));
    }

    [Fact]
    public void Suggest_LineStartingWithTheCommandName_CompletesTheSame()
    {
        Assert.Equal(["--batch_size"], Suggest("clinicadl train roi cnn --batch"));
    }

    [Fact]
    public void Suggest_AfterTrainRoi_ListsTheThreeNetworks()
    {
        var candidates = Suggest("train roi ");

        Assert.Equal(["autoencoder", "cnn", "multicnn"], candidates.Where(c => !c.StartsWith('-') && !c.StartsWith('/')));
    }

    [Fact]
    public void Suggest_NoArguments_ListsTheVerbs()
    {
        var candidates = Suggest("");

        Assert.Subset(candidates.ToHashSet(), new HashSet<string> { "generate", "tsvtool", "train", "plot" });
        Assert.Contains("--version", candidates);
    }

    [Fact]
    public void Suggest_ChoiceOption_ListsItsValues()
    {
        Assert.Contains("t1-linear", Suggest("generate trivial out --preprocessing "));
    }
}
