using SmolLM3.Contracts;

namespace SmolLM3.Silo.Scheduling;

/// <summary>Counters the scheduling loop updates and anyone may read (for tests and metrics).</summary>
sealed class SchedulerCounters
{
    readonly Lock _lock = new();
    long _steps, _batchTotal, _tokens, _preemptions, _cachedPromptTokens;
    int _maxBatch, _active, _queued;

    public void RecordStep(int batchSize, int sampled)
    {
        lock (_lock)
        {
            _steps++;
            _batchTotal += batchSize;
            _tokens += sampled;
            _maxBatch = Math.Max(_maxBatch, batchSize);
        }
    }

    public void RecordPreemption()
    {
        lock (_lock) _preemptions++;
    }

    public void RecordCachedPrompt(int tokens)
    {
        lock (_lock) _cachedPromptTokens += tokens;
    }

    public (long Preemptions, long CachedPromptTokens) KvCounts()
    {
        lock (_lock) return (_preemptions, _cachedPromptTokens);
    }

    public void SetOccupancy(int active, int queued)
    {
        lock (_lock) (_active, _queued) = (active, queued);
    }

    public SchedulerStats Snapshot()
    {
        lock (_lock)
            return new SchedulerStats(_steps, _maxBatch, _steps == 0 ? 0 : (double)_batchTotal / _steps, _active, _queued, _tokens);
    }
}
