namespace SmolLM3.Contracts.Errors;

/// <summary>
/// The conversation moved to another silo (with its KV) before this turn started, because the turn needs more KV
/// than its silo's whole pool and the other silo's holds it. Nothing was recorded: calling again runs the turn
/// there (<see cref="Conversations.MovedTurns"/> does, and the gateway through it).
/// </summary>
[GenerateSerializer, Alias("smollm3.ConversationMovedException")]
public sealed class ConversationMovedException : Exception
{
    public ConversationMovedException(string message) : base(message) { }
}
