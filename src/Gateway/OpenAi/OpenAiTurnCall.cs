using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Placement;
using SmolLM3.Gateway.Errors;
using SmolLM3.Gateway.Models;
using SmolLM3.Gateway.Turns;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// What the OpenAI generation endpoints share: the body read within the gateway's bounds, the request answered as one
/// stateless turn over the same admission and grains as gRPC, and failures as OpenAI reports them. Every check runs
/// before the first byte, so failures get their HTTP status; a stream that fails later ends with OpenAI's error
/// event instead of <c>[DONE]</c>.
/// </summary>
public sealed class OpenAiTurnCall(
    IGrainFactory grains, ModelCatalog models, ChatTurns turns, IOptions<GatewayOptions> options, ILogger<OpenAiTurnCall> logger)
{
    /// <param name="operation">The route, for the log of an unexpected failure.</param>
    /// <param name="idPrefix">Of the reply's id ("chatcmpl-", "cmpl-").</param>
    /// <param name="toTurn">The turn and the model the request names; throws InvalidRequestException.</param>
    /// <param name="reply">Writes the answer once the turn has started.</param>
    public async Task HandleAsync<TRequest>(HttpContext http, string operation, string idPrefix, JsonTypeInfo<TRequest> json,
        Func<TRequest, (ChatTurnRequest Turn, string? Model)> toTurn, Func<TRequest, OpenAiReply, Task> reply) where TRequest : class
    {
        var ct = http.RequestAborted;
        try
        {
            var request = await OpenAiBody.ReadAsync(http, json, options.Value.MaxRequestBytes);
            var (turn, requested) = toTurn(request);
            var model = models.Resolve(requested);
            using var admitted = await turns.AdmitAsync(OpenAiAuth.TenantOf(http), model, turn, ct);
            using var placement = ModelPlacementHint.For(model);   // the turn's grain goes to a silo serving the model
            using var affinity = PrefixPlacementHint.For(turn.Messages);   // where requests with the same start went
            using var reader = new StalledReader(options.Value.StalledReaderTimeout, logger, http, ct);
            await using var chunks = admitted.RunStatelessAsync(grains, model, reader.Token).GetAsyncEnumerator(reader.Token);
            // The first chunk (Started) comes once the grain has accepted the prompt: errors up to here are statuses.
            if (!await chunks.MoveNextAsync()) throw new InvalidOperationException("the turn ended before it started");
            var id = idPrefix + Guid.NewGuid().ToString("N");
            await reply(request, new OpenAiReply(http, reader, chunks, id, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model));
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // The client went away; the grain has dropped the sequence.
        }
        catch (StalledReaderException) when (http.Response.HasStarted)
        {
            // The reader has reset the stream and logged why: nothing more can reach the client.
        }
        catch (Exception e)
        {
            var error = ApiError.From(e, logger, operation, ct);
            if (!http.Response.HasStarted) await OpenAiErrors.WriteAsync(http, error);
            // Headers are gone: the failure travels as an error event, as OpenAI's own streams do.
            else await OpenAiReply.WriteDataAsync(http, null, JsonSerializer.SerializeToUtf8Bytes(OpenAiErrors.Body(error), OpenAiJson.Default.ErrorBody));
        }
    }
}
