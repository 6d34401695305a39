using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Silo.Conversations;

/// <summary>
/// Several replies to one prompt (OpenAI's <c>n</c>): choice 0 runs first, and once its prompt is in the KV pool the
/// others start and take its blocks through prefix sharing, so the prompt is computed once. The merged stream is
/// choice 0's Started, every choice's Deltas, ToolCalls and Finished tagged with its index as they come, and one Usage
/// at the end: the prompt counted once, the completions summed. A failing choice fails the whole turn.
/// </summary>
public static class TurnChoices
{
    /// <summary>SplitMix64's increment: choice <c>i</c> samples with <c>seed + i·γ</c>, so replies differ yet repeat with the seed.</summary>
    const long SeedStep = unchecked((long)0x9E3779B97F4A7C15UL);

    /// <summary>The request of choice <paramref name="choice"/>: one reply, its own seed when the request has one.</summary>
    public static ChatTurnRequest For(ChatTurnRequest request, int choice) => request with
    {
        Choices = 1,
        Sampling = request.Sampling with { Seed = request.Sampling.Seed is { } seed ? unchecked(seed + choice * SeedStep) : null },
    };

    /// <summary>Merges the choices <paramref name="run"/> streams (given the choice and its prefilled callback).</summary>
    public static async IAsyncEnumerable<ChatChunk> RunAsync(int choices, Func<int, Action, CancellationToken, IAsyncEnumerable<ChatChunk>> run,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var merged = Channel.CreateUnbounded<ChatChunk>();
        var running = new List<Task>();
        void Start(int choice) => running.Add(PumpAsync(choice, choice == 0 ? StartOthers : () => { }));
        void StartOthers()   // called once, by choice 0 (TurnInput.Prefilled)
        {
            lock (running) for (int i = 1; i < choices; i++) Start(i);
        }
        async Task PumpAsync(int choice, Action onPrefilled)
        {
            await Task.Yield();   // never run a choice on its starter's stack (the callback comes from inside choice 0)
            try
            {
                await foreach (var chunk in run(choice, onPrefilled, stop.Token))
                    if (choice == 0 || chunk.Kind != ChatChunkKind.Started) merged.Writer.TryWrite(chunk with { Choice = choice });
            }
            catch (Exception e)
            {
                merged.Writer.TryComplete(e);
                await stop.CancelAsync();
            }
        }

        lock (running) Start(0);
        _ = AllDoneAsync();
        async Task AllDoneAsync()
        {
            // only choice 0 starts others, so once it and every choice seen so far are done, none is left to start
            while (true)
            {
                Task[] now;
                lock (running) now = [.. running];
                await Task.WhenAll(now);
                lock (running) if (running.Count == now.Length) break;
            }
            merged.Writer.TryComplete();
        }

        int promptTokens = 0, cachedTokens = 0, completionTokens = 0;
        try
        {
            await foreach (var chunk in merged.Reader.ReadAllAsync(CancellationToken.None))
            {
                if (chunk.Kind == ChatChunkKind.Usage)
                {
                    if (chunk.Choice == 0) (promptTokens, cachedTokens) = (chunk.PromptTokens, chunk.CachedTokens);
                    completionTokens += chunk.CompletionTokens;
                    continue;
                }
                yield return chunk;
            }
        }
        finally
        {
            await stop.CancelAsync();   // the caller went away: stop every choice and wait for them to let go of their caches
            Task[] all;
            lock (running) all = [.. running];
            await Task.WhenAll(all);
        }
        yield return ChatChunk.Usage(promptTokens, cachedTokens, completionTokens);
    }
}
