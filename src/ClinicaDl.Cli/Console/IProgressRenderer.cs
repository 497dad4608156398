using ClinicaDl.Evaluation;
using ClinicaDl.Options;
using ClinicaDl.Runs;
using ClinicaDl.Training;

namespace ClinicaDl.Cli.Console;

/// <summary>Shows what a verb is doing: library events (<see cref="ITrainingObserver"/>) and counted jobs (generate, extract).</summary>
/// <remarks>
/// The CLI picks one per command (<see cref="CliContext.Renderer"/>): <see cref="LiveProgressRenderer"/> when stdout is a
/// terminal, <see cref="PlainProgressRenderer"/> otherwise (job logs, pipes, CI, tests) and with <c>--quiet</c>. The library
/// only raises events; everything a user sees is decided here.
/// </remarks>
internal interface IProgressRenderer : ITrainingObserver
{
    /// <summary>Runs <paramref name="work"/> while the display is active and returns its result.</summary>
    /// <remarks>The live display exists only during this call; the plain renderer just calls <paramref name="work"/>.</remarks>
    T Run<T>(Func<T> work);

    /// <summary>Progress of a counted job: <paramref name="done"/> of <paramref name="total"/> <paramref name="what"/> (e.g. "images written").</summary>
    /// <param name="logger">The logger name of plain lines (<c>generate</c>, <c>extract</c>).</param>
    /// <param name="done">Items done so far.</param>
    /// <param name="total">Items in all.</param>
    /// <param name="what">What is counted, as it reads after the numbers.</param>
    void Count(string logger, int done, int total, string what);
}
