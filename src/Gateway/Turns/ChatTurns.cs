using Microsoft.Extensions.Options;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Gateway.Limits;
using SmolLM3.Gateway.Models;
using SmolLM3.Gateway.Telemetry;

namespace SmolLM3.Gateway.Turns;

/// <summary>
/// Admission of a chat turn as both APIs do it: the numbers of messages and tools and max_tokens checked against the model's context and the
/// tenant's allowance (INVALID_ARGUMENT), the model's silo found (UNAVAILABLE), then the tenant's quotas
/// (RESOURCE_EXHAUSTED), this gateway's counters and then those all gateways share. Nothing is sent to a grain before all of these pass.
/// </summary>
public sealed class ChatTurns(ModelCatalog models, TenantLimiter limits, SharedLimits shared, TenantUsage usage, IOptions<GatewayOptions> options)
{
    public async Task<AdmittedTurn> AdmitAsync(string tenant, string model, ChatTurnRequest turn, CancellationToken ct)
    {
        if (turn.Messages.Length > options.Value.MaxMessages)
            throw new InvalidRequestException($"{turn.Messages.Length} messages are more than the {options.Value.MaxMessages} a request may carry");
        if (turn.XmlTools?.Length > options.Value.MaxTools)
            throw new InvalidRequestException($"{turn.XmlTools.Length} tools are more than the {options.Value.MaxTools} a request may carry");
        var context = (await models.DescribeAsync(model, ct)).ContextLength;
        var allowance = limits.LimitsOf(tenant).MaxContextTokens;
        if (turn.Sampling.MaxTokens is { } maxTokens)
        {
            if (maxTokens > context)
                throw new InvalidRequestException($"max_tokens is {maxTokens}, more than the {context}-token context of model '{model}'");
            if (maxTokens > allowance)
                throw new InvalidRequestException($"max_tokens is {maxTokens}, more than this tenant's context allowance of {allowance} tokens");
        }
        // The grain checks the prompt's length against the context and the allowance (OUT_OF_RANGE).
        var lease = limits.Admit(tenant);   // this gateway's own counters first: they cost no grain call
        try { lease.Shared = await shared.AdmitAsync(tenant, limits.LimitsOf(tenant)); }
        catch
        {
            lease.Dispose();
            throw;
        }
        var settings = turn with { MaxContextTokens = allowance, QueueTimeout = lease.QueueTimeout, Weight = limits.LimitsOf(tenant).Weight };
        return new AdmittedTurn(tenant, settings, lease, usage);
    }
}
