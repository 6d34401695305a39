using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Silo.Conversations;

/// <summary>One turn as a grain hands it to <see cref="TurnRunner"/>.</summary>
/// <param name="Key">The grain's key, for telemetry and logs; its first part ("tenant/…") is the tenant whose queue the turn waits in.</param>
/// <param name="Silo">The silo running the grain, reported in the Started chunk.</param>
/// <param name="Transcript">Messages before the request's own.</param>
/// <param name="LeaveSilo">Called when the silo is draining, before the turn fails, so a retry reactivates the grain elsewhere.</param>
/// <param name="CompletedAsync">Called with the assistant's reply (as the template renders it back) when the turn ended by a stop token, a stop string or its length.</param>
/// <param name="Prefilled">Called once when the prompt's KV is in the cache (its first token came back) or the turn ended before.</param>
public sealed record TurnInput(
    string Key, string Model, string Silo,
    IReadOnlyList<TurnMessage> Transcript, ChatTurnRequest Request, bool Thinking, string[] XmlTools,
    Action LeaveSilo, Func<TurnMessage, Task> CompletedAsync, Action? Prefilled = null)
{
    public string Tenant => Key.Split('/')[0];
}
