using System.Threading.RateLimiting;

namespace SmolLM3.Gateway.Limits;

/// <summary>
/// An admitted turn: holds the tenant's stream slot until disposed, and its place among the tenant's waiting turns
/// until the reply starts (<see cref="Replying"/>); charges its tokens.
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

    /// <summary>Longest the turn may wait in its silo's queue before any of its prompt is scheduled (the silo enforces it).</summary>
    public TimeSpan QueueTimeout { get; }

    /// <summary>Charges tokens the turn used (its prompt once known, then its completion).</summary>
    public void Charge(int tokens)
    {
        _tokens.Charge(_tenant, tokens);
        Shared?.Charge(tokens);
    }

    /// <summary>The reply has started: the turn no longer counts as waiting.</summary>
    public void Replying() => _waiting.Dispose();

    public void Dispose()
    {
        _waiting.Dispose();
        _stream.Dispose();
        Shared?.Dispose();
    }
}
