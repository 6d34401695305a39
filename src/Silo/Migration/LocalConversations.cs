using System.Collections.Concurrent;

namespace SmolLM3.Silo.Migration;

/// <summary>The conversation activations on this silo and the KV positions each holds: what a drain moves, largest first.</summary>
public sealed class LocalConversations
{
    readonly ConcurrentDictionary<string, Func<int>> _active = new();

    public void Add(string key, Func<int> length) => _active[key] = length;

    public void Remove(string key) => _active.TryRemove(key, out _);

    /// <summary>Every active conversation's key and its cached positions now, largest first.</summary>
    public IReadOnlyList<(string Key, int Length)> LargestFirst() =>
        [.. _active.Select(c => (c.Key, c.Value())).OrderByDescending(c => c.Item2)];
}
