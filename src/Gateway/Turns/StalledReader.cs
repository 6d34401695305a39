using Microsoft.Extensions.Logging;
using SmolLM3.Gateway.Errors;

namespace SmolLM3.Gateway.Turns;

/// <summary>
/// A streaming call whose client may stop reading: a write may wait at most <c>timeout</c> for the client's flow-control
/// window; past it the call's <see cref="Token"/> is cancelled — the turn stops on its silo and the tenant's stream slot
/// and the KV go back — and the write throws <see cref="StalledReaderException"/>. Writes are what wait for a reader, so
/// a client that reads slowly but reads is never cut.
/// </summary>
public sealed class StalledReader(TimeSpan timeout, ILogger logger, CancellationToken call) : IDisposable
{
    readonly CancellationTokenSource _ended = CancellationTokenSource.CreateLinkedTokenSource(call);

    /// <summary>Cancelled when the client goes away or stops reading: pass it to the turn.</summary>
    public CancellationToken Token => _ended.Token;

    public async Task WriteAsync(Func<CancellationToken, Task> write)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_ended.Token);
        limit.CancelAfter(timeout);
        try { await write(limit.Token); }
        catch (OperationCanceledException) when (!call.IsCancellationRequested)
        {
            await _ended.CancelAsync();
            var stalled = new StalledReaderException(timeout);
            logger.LogWarning("Ended a stream: {Reason}", stalled.Message);   // the client will only see the stream reset
            throw stalled;
        }
    }

    public void Dispose() => _ended.Dispose();
}
