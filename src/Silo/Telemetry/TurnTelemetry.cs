using System.Diagnostics;

namespace SmolLM3.Silo.Telemetry;

/// <summary>
/// Times one chat turn: records time to first token, inter-token latency and token counts as they happen,
/// and at the end writes the turn's span with its queue, prefill and decode phases. The spans are made
/// after the fact, so none stays open across the grain's separate streaming calls.
/// </summary>
sealed class TurnTelemetry(SiloMetrics metrics)
{
    readonly ActivityContext _parent = Activity.Current?.Context ?? default;
    readonly DateTimeOffset _startUtc = DateTimeOffset.UtcNow;
    readonly long _start = Stopwatch.GetTimestamp();
    long _first, _last;
    int _prompt, _cached, _generated;

    /// <summary>The caller's trace (the gateway's call), for links from the batch steps.</summary>
    public ActivityContext TraceContext => _parent;

    public void Prompt(int promptTokens, int cachedTokens)
    {
        (_prompt, _cached) = (promptTokens, cachedTokens);
        metrics.PromptTokens.Add(promptTokens, metrics.Model);
        metrics.CachedTokens.Add(cachedTokens, metrics.Model);
    }

    public void Token()
    {
        long now = Stopwatch.GetTimestamp();
        if (_first == 0) metrics.TimeToFirstToken.Record(Stopwatch.GetElapsedTime(_start, _first = now).TotalSeconds, metrics.Model);
        else metrics.InterTokenLatency.Record(Stopwatch.GetElapsedTime(_last, now).TotalSeconds, metrics.Model);
        _last = now;
        _generated++;
    }

    /// <summary>Writes the turn's spans; <paramref name="admittedAt"/> is when the scheduler first fed it (0: never).</summary>
    public void Finish(string session, string finish, long admittedAt)
    {
        long end = Stopwatch.GetTimestamp();
        using var turn = SiloTelemetry.Source.StartActivity("chat turn", ActivityKind.Internal, _parent, startTime: _startUtc);
        if (turn is null) return;
        turn.SetTag("smollm3.session", session).SetTag("smollm3.model", metrics.Model.Value)
            .SetTag("smollm3.prompt_tokens", _prompt).SetTag("smollm3.cached_tokens", _cached)
            .SetTag("smollm3.completion_tokens", _generated).SetTag("smollm3.finish", finish);
        long admitted = admittedAt == 0 ? end : admittedAt, first = _first == 0 ? end : _first;
        Phase(turn, "queue", _start, admitted);
        if (admittedAt != 0) Phase(turn, "prefill", admitted, first);
        if (_first != 0) Phase(turn, "decode", first, end);
        turn.SetEndTime(At(end).UtcDateTime);
    }

    void Phase(Activity turn, string name, long from, long to)
    {
        using var phase = SiloTelemetry.Source.StartActivity(name, ActivityKind.Internal, turn.Context, startTime: At(from));
        phase?.SetEndTime(At(to).UtcDateTime);
    }

    DateTimeOffset At(long timestamp) => _startUtc + Stopwatch.GetElapsedTime(_start, timestamp);
}
