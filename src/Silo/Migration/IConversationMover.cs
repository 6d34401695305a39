namespace SmolLM3.Silo.Migration;

/// <summary>A conversation grain as its silo moves it elsewhere (a drain): its KV blocks first, then the activation.</summary>
[Alias("smollm3.IConversationMover")]
public interface IConversationMover : IGrainWithStringKey
{
    /// <summary>
    /// Sends the conversation's KV to <paramref name="target"/> and migrates the activation there; returns the positions
    /// sent, or -1 when it stays (a turn is running, or there is no conversation).
    /// </summary>
    Task<int> MoveToAsync(SiloAddress target);
}
