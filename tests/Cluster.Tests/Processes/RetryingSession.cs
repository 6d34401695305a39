using System.Collections.Concurrent;
using Grpc.Core;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>
/// One chat session driven as a careful client would: a turn that ends UNAVAILABLE (a silo died or drains, the
/// gateway drains) is retried after a short backoff, a bounded number of times, and the retry is logged. The
/// server records a turn only when it completes, so a retry is exact; <see cref="Turns"/> holds the completed ones.
/// </summary>
public sealed class RetryingSession(string tenant, Metadata auth, string id)
{
    const int MaxAttempts = 8;

    public string Tenant => tenant;
    public string Id => id;
    public Metadata Auth => auth;
    public List<TurnResult> Turns { get; } = [];
    public int Retries { get; private set; }

    public static async Task<RetryingSession> CreateAsync(Chat.ChatClient chat, string tenant, string key) =>
        new(tenant, new Metadata { { "x-api-key", key } }, (await chat.CreateSessionAsync(new CreateSessionRequest(), new Metadata { { "x-api-key", key } })).SessionId);

    /// <summary>
    /// Sends one user message and reads the reply; <paramref name="streaming"/> holds the silo of every stream
    /// between its Started and its end. Fails unless the turn completes (STOP or LENGTH) within the retries.
    /// </summary>
    public async Task<TurnResult> TurnAsync(Chat.ChatClient chat, string text, int maxTokens, ConcurrentDictionary<string, int> streaming, Action<string> log)
    {
        for (int attempt = 1; ; attempt++)
        {
            string? silo = null;
            try
            {
                using var call = chat.StreamChat(new ChatRequest
                {
                    SessionId = id,
                    Messages = { new ChatMessage { Role = "user", Content = text } },
                    Sampling = new SamplingParameters { Temperature = 0, MaxTokens = maxTokens },
                }, auth, deadline: DateTime.UtcNow.AddMinutes(1));
                var events = new List<ChatEvent>();
                await foreach (var e in call.ResponseStream.ReadAllAsync())
                {
                    events.Add(e);
                    if (e.EventCase == ChatEvent.EventOneofCase.Started) streaming.AddOrUpdate(silo = e.Started.Silo, 1, (_, n) => n + 1);
                }
                var turn = TurnResult.From(events);
                Assert.True(turn.Finished.Reason is FinishReason.Stop or FinishReason.Length,
                    $"session {id} turn {Turns.Count + 1} ended {turn.Finished.Reason}: {turn.Finished.Message}");
                Turns.Add(turn);
                return turn;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < MaxAttempts)
            {
                Retries++;
                log($"retry {attempt}: session {id} turn {Turns.Count + 1} ended UNAVAILABLE after {(silo is null ? "no Started" : "Started on " + silo)}: {e.Status.Detail}");
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 250 << (attempt - 1))));
            }
            finally
            {
                if (silo is not null) streaming.AddOrUpdate(silo, 0, (_, n) => n - 1);
            }
        }
    }
}
