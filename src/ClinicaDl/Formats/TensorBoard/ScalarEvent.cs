namespace ClinicaDl.Formats.TensorBoard;

/// <summary>One scalar read from a TensorBoard events file, as TensorBoard shows it.</summary>
/// <param name="Tag">The scalar's name, e.g. <c>loss</c> or <c>balanced_accuracy</c>.</param>
/// <param name="Step">The global step (ClinicaDL: batches seen, spec §7.7).</param>
/// <param name="Value">The value, as stored (float32).</param>
/// <param name="WallTime">When it was logged (stored as Unix seconds in a double, so to about a microsecond).</param>
public sealed record ScalarEvent(string Tag, long Step, float Value, DateTimeOffset WallTime);
