using System.Threading.RateLimiting;

namespace SmolLM3.Gateway.Limits;

/// <summary>An admitted turn: holds the tenant's stream slot until disposed and charges its tokens.</summary>
public sealed class TurnLease : IDisposable
{
    readonly string _tenant;
    readonly RateLimitLease _stream;
    readonly TokenMeter _tokens;

    internal TurnLease(string tenant, RateLimitLease stream, TokenMeter tokens) => (_tenant, _stream, _tokens) = (tenant, stream, tokens);

    /// <summary>Charges tokens the turn used (its prompt once known, then its completion).</summary>
    public void Charge(int tokens) => _tokens.Charge(_tenant, tokens);

    public void Dispose() => _stream.Dispose();
}
