using System.Text;
using Grpc.Core;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests;

/// <summary>Everything one StreamChat call sent, gathered.</summary>
public sealed record TurnResult(Started Started, string Text, Usage Usage, Finished Finished)
{
    public static async Task<TurnResult> ReadAsync(AsyncServerStreamingCall<ChatEvent> call)
    {
        Started? started = null;
        Usage? usage = null;
        Finished? finished = null;
        var text = new StringBuilder();
        await foreach (var e in call.ResponseStream.ReadAllAsync())
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
