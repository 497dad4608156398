namespace ClinicaDl.Tests.Support;

/// <summary>A clock that moves only when a test says so (local time is UTC).</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public void Advance(TimeSpan by) => now += by;

    public void Advance(double seconds) => Advance(TimeSpan.FromSeconds(seconds));
}
