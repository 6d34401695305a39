namespace SmolLM3.Silo.Conversations;

/// <summary>
/// Conversation turns open on this silo, from the call's start until its stream has ended (the caller has read
/// the last event, or gone away), so shutdown can wait for them before Orleans deactivates their grains.
/// </summary>
public sealed class OpenTurns
{
    int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Counts a turn until the returned object is disposed.</summary>
    public IDisposable Enter()
    {
        Interlocked.Increment(ref _count);
        return new Exit(this);
    }

    /// <summary>Waits until no turn is open; false if <paramref name="deadline"/> came first.</summary>
    public async Task<bool> WaitIdleAsync(CancellationToken deadline)
    {
        while (Count > 0)
        {
            try { await Task.Delay(50, deadline); }
            catch (OperationCanceledException) { return Count == 0; }
        }
        return true;
    }

    sealed class Exit(OpenTurns turns) : IDisposable
    {
        int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref turns._count);
        }
    }
}
