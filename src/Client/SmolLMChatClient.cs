using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.AI;
using Wire = SmolLM3.Contracts.V1;

namespace SmolLM3.Client;

/// <summary>
/// An <see cref="IChatClient"/> over the cluster's gRPC Chat service.
/// <para>
/// Sessions: <see cref="ChatOptions.ConversationId"/> is the cluster's session id (the property
/// <c>FunctionInvokingChatClient</c> and other middleware already carry from one call to the next). Set, the
/// messages are appended to that session, whose transcript and KV cache the cluster keeps; each response's
/// <see cref="ChatResponse.ConversationId"/> repeats it. Unset, the messages are the whole conversation, answered once
/// and not kept. <see cref="CreateSessionAsync"/> starts a session.
/// </para>
/// Failures throw <see cref="SmolLMException"/> (or a subclass naming the case); the caller's cancellation throws
/// <see cref="OperationCanceledException"/> and cancels the turn on the cluster.
/// </summary>
public sealed class SmolLMChatClient : IChatClient
{
    /// <summary>Finish reason of a turn the cluster cancelled (e.g. while shutting down) rather than the caller.</summary>
    public static ChatFinishReason Cancelled { get; } = new("cancelled");

    readonly GrpcChannel _channel;
    readonly bool _ownsChannel;
    readonly Wire.Chat.ChatClient _chat;
    readonly SmolLMClientOptions _options;
    readonly ChatClientMetadata _metadata;

    /// <summary>A client of the gateway at <paramref name="address"/> (e.g. http://gateway:5080) with its own channel.</summary>
    public SmolLMChatClient(Uri address, SmolLMClientOptions? options = null) : this(GrpcChannel.ForAddress(address), options, address) => _ownsChannel = true;

    /// <summary>A client over <paramref name="channel"/>, which the caller keeps and disposes.</summary>
    public SmolLMChatClient(GrpcChannel channel, SmolLMClientOptions? options = null) : this(channel, options, address: null) { }

    SmolLMChatClient(GrpcChannel channel, SmolLMClientOptions? options, Uri? address)
    {
        _channel = channel;
        _chat = new Wire.Chat.ChatClient(channel);
        _options = options ?? new SmolLMClientOptions();
        _metadata = new ChatClientMetadata("smollm3", address, _options.DefaultModel);
    }

    /// <summary>Starts an empty session of <paramref name="model"/> (null: <see cref="SmolLMClientOptions.DefaultModel"/>); returns its id.</summary>
    public async Task<string> CreateSessionAsync(string? model = null, CancellationToken cancellationToken = default)
    {
        var request = new Wire.CreateSessionRequest { Model = model ?? _options.DefaultModel ?? "" };
        return (await CallAsync(c => _chat.CreateSessionAsync(request, c), cancellationToken)).SessionId;
    }

    /// <summary>Forgets a session's transcript and frees its cache; throws <see cref="SmolLMSessionNotFoundException"/> if there is none.</summary>
    public Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        CallAsync(c => _chat.DeleteSessionAsync(new Wire.DeleteSessionRequest { SessionId = sessionId }, c), cancellationToken);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ChatRequests.From(messages, options, _options.DefaultModel);
        var updates = new ChatUpdates(includeReasoning: options?.Reasoning?.Output is not ReasoningOutput.None);
        using var call = _chat.StreamChat(request, Options(cancellationToken));
        while (await NextAsync(call.ResponseStream, cancellationToken))
            if (updates.From(call.ResponseStream.Current) is { } update) yield return update;
    }

    /// <summary>Moves to the next event; a failure becomes the client's exception (yield cannot sit inside a try with a catch).</summary>
    static async Task<bool> NextAsync(IAsyncStreamReader<Wire.ChatEvent> stream, CancellationToken ct)
    {
        try { return await stream.MoveNext(ct); }
        catch (RpcException e) { throw RpcErrors.From(e, ct); }
    }

    async Task<T> CallAsync<T>(Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken ct)
    {
        try { return await call(Options(ct)); }
        catch (RpcException e) { throw RpcErrors.From(e, ct); }
    }

    CallOptions Options(CancellationToken ct)
    {
        var headers = new Metadata();
        if (_options.ApiKey is { } key) headers.Add("authorization", $"Bearer {key}");
        return new CallOptions(headers, cancellationToken: ct);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        if (_ownsChannel) _channel.Dispose();
    }
}
