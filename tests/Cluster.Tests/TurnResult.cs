using System.Text;
using Grpc.Core;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests;

/// <summary>Everything one StreamChat call sent, gathered.</summary>
public sealed record TurnResult(Started Started, string Text, Usage Usage, Finished Finished)
{
    public static async Task<TurnResult> ReadAsync(AsyncServerStreamingCall<ChatEvent> call)
    {
        var events = new List<ChatEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return From(events);
    }

    /// <summary>Gathers the events of one call, checking Started, Usage and Finished all came.</summary>
    public static TurnResult From(IEnumerable<ChatEvent> events)
    {
        Started? started = null;
        Usage? usage = null;
        Finished? finished = null;
        var text = new StringBuilder();
        foreach (var e in events)
        {
            switch (e.EventCase)
            {
                case ChatEvent.EventOneofCase.Started: started = e.Started; break;
                case ChatEvent.EventOneofCase.Delta: text.Append(e.Delta.Text); break;
                case ChatEvent.EventOneofCase.Usage: usage = e.Usage; break;
                case ChatEvent.EventOneofCase.Finished: finished = e.Finished; break;
            }
        }
        Assert.NotNull(started);
        Assert.NotNull(usage);
        Assert.NotNull(finished);
        return new TurnResult(started, text.ToString(), usage, finished);
    }
}
