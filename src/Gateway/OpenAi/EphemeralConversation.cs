using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Contracts.Placement;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// A conversation grain that lives for one OpenAI request (the API is stateless: each request carries the
/// whole transcript). It belongs to the caller's tenant like any session and is deleted on dispose.
/// </summary>
public sealed class EphemeralConversation : IAsyncDisposable
{
    readonly ILogger _logger;

    EphemeralConversation(IConversationGrain grain, ILogger logger) => (Grain, _logger) = (grain, logger);

    public IConversationGrain Grain { get; }

    public static async Task<EphemeralConversation> StartAsync(IGrainFactory grains, string tenant, string model, ILogger logger)
    {
        var grain = grains.GetGrain<IConversationGrain>(ConversationKey.For(tenant, "openai-" + Guid.NewGuid().ToString("N")));
        using (ModelPlacementHint.For(model))   // placed on a silo serving the model
            await grain.CreateAsync(model);
        return new EphemeralConversation(grain, logger);
    }

    public async ValueTask DisposeAsync()
    {
        // A turn the client abandoned may still be letting go of its cache: the grain refuses deletion until then.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Grain.DeleteAsync();
                return;
            }
            catch (SessionBusyException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Could not delete the one-request conversation {Conversation}", Grain.GetPrimaryKeyString());
                return;
            }
        }
    }
}
