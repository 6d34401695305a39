using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Contracts.Placement;
using SmolLM3.Contracts.V1;
using SmolLM3.Gateway.Models;
using SmolLM3.Gateway.Security;
using SmolLM3.Gateway.Turns;

namespace SmolLM3.Gateway.Services;

/// <summary>
/// The public Chat service over the cluster. Every session is addressed as the caller's tenant plus the
/// session id, so another tenant's session is indistinguishable from a missing one (NOT_FOUND).
/// </summary>
[BindServiceMethod(typeof(ChatServiceBinding), nameof(ChatServiceBinding.BindService))]   // requests that do not parse: INVALID_ARGUMENT
public sealed class ChatService(IGrainFactory grains, ModelCatalog models, ChatTurns turns, IOptions<GatewayOptions> options, ILogger<ChatService> logger)
    : Chat.ChatBase
{
    public override async Task<Session> CreateSession(CreateSessionRequest request, ServerCallContext context)
    {
        var model = models.Resolve(request.Model);
        await models.DescribeAsync(model, context.CancellationToken);   // UNAVAILABLE now rather than on the first turn
        var sessionId = Guid.NewGuid().ToString("N");
        using var _ = ModelPlacementHint.For(model);   // the new conversation goes to a silo serving its model
        var info = await Conversation(context, sessionId).CreateAsync(model);
        return ChatMapping.ToSession(sessionId, info);
    }

    public override async Task<Session> GetSession(GetSessionRequest request, ServerCallContext context)
    {
        var info = await Conversation(context, request.SessionId).DescribeAsync() ?? throw NotFound(request.SessionId);
        return ChatMapping.ToSession(request.SessionId, info);
    }

    public override async Task<DeleteSessionResponse> DeleteSession(DeleteSessionRequest request, ServerCallContext context)
    {
        var deleted = await Conversation(context, request.SessionId).DeleteAsync();
        return deleted ? new DeleteSessionResponse { Deleted = true } : throw NotFound(request.SessionId);
    }

    public override async Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        foreach (var info in await models.ServedAsync(context.CancellationToken))
            response.Models.Add(new ModelDescription { Id = info.Id, Architecture = info.Architecture, ContextLength = info.ContextLength });
        return response;
    }

    public override async Task StreamChat(ChatRequest request, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context)
    {
        if (request.SessionId is "")
        {
            await StreamStateless(request, responseStream, context);
            return;
        }
        var turn = ChatMapping.ToTurn(request);
        var conversation = Conversation(context, request.SessionId);
        var session = await conversation.DescribeAsync() ?? throw NotFound(request.SessionId);
        // The call's token reaches the grain, whose scheduler drops the sequence when the client goes away.
        var ct = context.CancellationToken;
        using var admitted = await turns.AdmitAsync(context.Tenant(), session.Model, turn, ct);
        using var reader = new StalledReader(options.Value.StalledReaderTimeout, logger, context.GetHttpContext(), ct);
        await foreach (var chunk in admitted.RunAsync(conversation, reader.Token))
            await reader.WriteAsync(t => responseStream.WriteAsync(ChatMapping.ToEvent(chunk, request.SessionId), t));
    }

    /// <summary>No session: the messages are the whole conversation, answered once by a stateless turn grain that keeps nothing.</summary>
    async Task StreamStateless(ChatRequest request, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context)
    {
        var turn = ChatMapping.ToTurn(request);
        var model = models.Resolve(request.Model);
        var ct = context.CancellationToken;
        using var admitted = await turns.AdmitAsync(context.Tenant(), model, turn, ct);
        using var placement = ModelPlacementHint.For(model);   // the turn's grain goes to a silo serving the model
        using var affinity = PrefixPlacementHint.For(turn.Messages);   // where requests with the same start went
        using var reader = new StalledReader(options.Value.StalledReaderTimeout, logger, context.GetHttpContext(), ct);
        await foreach (var chunk in admitted.RunStatelessAsync(grains, model, reader.Token))
            await reader.WriteAsync(t => responseStream.WriteAsync(ChatMapping.ToEvent(chunk, ""), t));
    }

    IConversationGrain Conversation(ServerCallContext context, string sessionId)
    {
        if (string.IsNullOrWhiteSpace(sessionId)) throw new InvalidRequestException("session_id is required");
        return grains.GetGrain<IConversationGrain>(ConversationKey.For(context.Tenant(), sessionId));
    }

    static SessionNotFoundException NotFound(string sessionId) => new(sessionId);
}
