using ClinicaDl.Cli;

namespace ClinicaDl.Tests.Support;

/// <summary>Runs the clinicadl command line in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    public static Result Run(params string[] args) => Run(CancellationToken.None, args);

    public static Result Run(CancellationToken cancel, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliContext(output, error, cancel));
        return new Result(code, output.ToString(), error.ToString());
    }
}
