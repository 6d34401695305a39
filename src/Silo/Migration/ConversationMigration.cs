using Microsoft.Extensions.Logging;
using SmolLM3.Silo.Models;

namespace SmolLM3.Silo.Migration;

/// <summary>
/// A draining silo's last job: move every conversation active here, largest KV first, to the silo serving the model
/// with the most room (its KV blocks, then the activation), until the time runs out. What is not moved is
/// deactivated as before and recomputes its KV wherever its next turn lands.
/// </summary>
public sealed class ConversationMigration(
    LocalConversations conversations, MoveTargets targets, ModelHost host, IGrainFactory grains, ILogger<ConversationMigration> logger)
{
    /// <summary>Moves what it can before <paramref name="cancellation"/>; returns the conversations moved and the KV positions sent.</summary>
    public Task<(int Conversations, long Tokens)> MoveAllAsync(CancellationToken cancellation) =>
        MoveAsync("Drain", enough: () => false, cancellation);

    /// <summary>
    /// Moves conversations that hold KV, largest first, skipping any with a turn running, until <paramref name="enough"/>
    /// says so or none is left; <paramref name="why"/> starts the log lines.
    /// </summary>
    public async Task<(int Conversations, long Tokens)> MoveAsync(string why, Func<bool> enough, CancellationToken cancellation)
    {
        var local = conversations.LargestFirst();
        if (local.Count == 0 || !host.IsLoaded) return (0, 0);
        int moved = 0;
        long tokens = 0;
        foreach (var (key, length) in local)
        {
            if (cancellation.IsCancellationRequested || enough()) break;
            if (targets.For() is not { } target)
            {
                logger.LogWarning("{Why}: no other silo serves {Model}; {Count} conversations stay and recompute their KV on their next turn",
                    why, host.Info.Id, local.Count - moved);
                break;
            }
            try
            {
                int sent = await grains.GetGrain<IConversationMover>(key).MoveToAsync(target).WaitAsync(cancellation);
                if (sent < 0) continue;
                moved++;
                tokens += sent;
                logger.LogInformation("{Why}: moved conversation {Conversation} to {Silo} with {Sent} of its {Length} KV positions", why, key, target, sent, length);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "{Why}: conversation {Conversation} could not move to {Silo}; it recomputes its KV on its next turn", why, key, target);
            }
        }
        logger.LogInformation("{Why}: moved {Moved} of {Count} conversations ({Tokens} KV positions)", why, moved, local.Count, tokens);
        return (moved, tokens);
    }
}
