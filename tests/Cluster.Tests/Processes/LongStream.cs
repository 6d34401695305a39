using Grpc.Core;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>A greedy reply of a fixed length, started and read in the background: the stream a drain must let finish.</summary>
static class LongStream
{
    /// <summary>Starts the turn in a new session and returns once its Started event came; the task ends with the whole turn.</summary>
    public static async Task<Task<TurnResult>> StartAsync(Chat.ChatClient chat, Metadata auth, int tokens)
    {
        var session = (await chat.CreateSessionAsync(new CreateSessionRequest(), auth)).SessionId;
        var call = chat.StreamChat(new ChatRequest
        {
            SessionId = session,
            Messages = { new ChatMessage { Role = "user", Content = "Tell me everything" } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = tokens },
        }, auth);
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(ChatEvent.EventOneofCase.Started, call.ResponseStream.Current.EventCase);
        return Task.Run(async () =>
        {
            using (call)
            {
                var events = new List<ChatEvent> { call.ResponseStream.Current };
                await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
                return TurnResult.From(events);
            }
        });
    }
}
