using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using SmolLM3.Gateway.Errors;

namespace SmolLM3.Gateway.Turns;

/// <summary>
/// A streaming call whose client may stop reading: a write may wait at most <c>timeout</c> for the client's flow-control
/// window; past it the stream is reset with CANCEL (HTTP/1.1: the connection is closed), the call's <see cref="Token"/>
/// is cancelled — the turn stops on its silo and the tenant's stream slot and the KV go back — and the write throws
/// <see cref="StalledReaderException"/>. Writes are what wait for a reader, so a client that reads slowly but reads is
/// never cut.
/// </summary>
public sealed class StalledReader(TimeSpan timeout, ILogger logger, HttpContext http, CancellationToken call) : IDisposable
{
    // RST_STREAM codes for a cancelled request (RFC 9113 §7, RFC 9114 §8.1).
    const int Http2Cancel = 0x8, Http3RequestCancelled = 0x10c;

    readonly CancellationTokenSource _ended = CancellationTokenSource.CreateLinkedTokenSource(call);
    volatile bool _stalled;

    /// <summary>Cancelled when the client goes away or stops reading: pass it to the turn.</summary>
    public CancellationToken Token => _ended.Token;

    public async Task WriteAsync(Func<CancellationToken, Task> write)
    {
        // The reset is ours, sent before anything else can end the call: the client always finds the same CANCEL,
        // never a status or an INTERNAL_ERROR from whichever part of the stack noticed the cancelled write first.
        using (var limit = new CancellationTokenSource(timeout))
        using (limit.Token.Register(static s => ((StalledReader)s!).End(), this))
        {
            try { await write(_ended.Token); }
            catch (Exception) when (_stalled) { }
        }
        if (_stalled) throw new StalledReaderException(timeout);
    }

    void End()
    {
        _stalled = true;
        logger.LogWarning("Ended a stream: {Reason}", new StalledReaderException(timeout).Message);   // the client sees only the reset
        if (http.Features.Get<IHttpResetFeature>() is { } reset)
            reset.Reset(HttpProtocol.IsHttp3(http.Request.Protocol) ? Http3RequestCancelled : Http2Cancel);
        else
            http.Abort();
        _ended.Cancel();
    }

    public void Dispose() => _ended.Dispose();
}
