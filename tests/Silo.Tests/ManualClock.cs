namespace SmolLM3.Silo.Tests;

/// <summary>A clock that stands still until the test moves it.</summary>
sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => Now;
}
