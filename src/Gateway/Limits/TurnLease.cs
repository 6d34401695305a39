using System.Threading.RateLimiting;

namespace SmolLM3.Gateway.Limits;

/// <summary>
/// An admitted turn: holds the tenant's stream slot until disposed, and its place among the tenant's waiting turns
/// until the reply starts (<see cref="Replying"/>) or <see cref="QueueTimeout"/> ends the wait; charges its tokens.
/// </summary>
public sealed class TurnLease : IDisposable
{
    readonly string _tenant;
    readonly RateLimitLease _stream;
    readonly TokenMeter _tokens;
    readonly IDisposable _waiting;

    internal TurnLease(string tenant, RateLimitLease stream, TokenMeter tokens, IDisposable waiting, TimeSpan queueTimeout) =>
        (_tenant, _stream, _tokens, _waiting, QueueTimeout) = (tenant, stream, tokens, waiting, queueTimeout);

    /// <summary>The turn's share of the counters every gateway sees (<see cref="SharedLimits"/>), if any.</summary>
    internal SharedLease? Shared { get; set; }

    /// <summary>Longest the turn may wait for its first reply token.</summary>
    public TimeSpan QueueTimeout { get; }

    /// <summary>Charges tokens the turn used (its prompt once known, then its completion).</summary>
    public void Charge(int tokens)
    {
        _tokens.Charge(_tenant, tokens);
        Shared?.Charge(tokens);
    }

    /// <summary>The reply has started: the turn no longer counts as waiting.</summary>
    public void Replying() => _waiting.Dispose();

    /// <summary>A refusal for a turn that waited longer than <see cref="QueueTimeout"/>.</summary>
    public QuotaExceededException TimedOut() =>
        new($"tenant '{_tenant}': the turn waited {QueueTimeout.TotalSeconds:0.#} s for the cluster to start replying and was cancelled", TenantLimiter.BusyRetry);

    public void Dispose()
    {
        _waiting.Dispose();
        _stream.Dispose();
        Shared?.Dispose();
    }
}
