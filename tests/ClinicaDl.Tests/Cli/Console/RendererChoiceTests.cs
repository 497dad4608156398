using ClinicaDl.Cli;
using ClinicaDl.Cli.Console;
using Spectre.Console.Testing;

namespace ClinicaDl.Tests.Cli.Console;

/// <summary>The CLI chooses the renderer once per command, from stdout and the verbosity.</summary>
public sealed class RendererChoiceTests
{
    [Theory]
    [InlineData(false, "xterm-256color", true)]
    [InlineData(false, null, true)]
    [InlineData(true, "xterm-256color", false)]
    [InlineData(false, "dumb", false)]
    public void Supports_NeedsAnUnredirectedStdout_AndNoDumbTerminal(bool redirected, string? term, bool live)
        => Assert.Equal(live, LiveTerminal.Supports(redirected, term));

    [Theory]
    [InlineData((int)Verbosity.Quiet, typeof(PlainProgressRenderer))]
    [InlineData((int)Verbosity.Warning, typeof(LiveProgressRenderer))]
    [InlineData((int)Verbosity.Debug, typeof(LiveProgressRenderer))]
    public void Renderer_OnATerminal_IsLiveUnlessQuiet(int verbosity, Type expected)
    {
        var context = new CliContext(TextWriter.Null, TextWriter.Null, default) { Terminal = new LiveTerminal(new TestConsole(), false), Verbosity = (Verbosity)verbosity };
        Assert.IsType(expected, context.Renderer());
    }

    [Fact]
    public void Renderer_WithoutATerminal_IsPlain()
        => Assert.IsType<PlainProgressRenderer>(new CliContext(TextWriter.Null, TextWriter.Null, default).Renderer());
}
