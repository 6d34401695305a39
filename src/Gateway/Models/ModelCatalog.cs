using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.Models;

/// <summary>
/// The configured models as their silos describe them. A description is cached once read (a model's
/// context length does not change); a failed one is not, so a model whose silo joins later is found then.
/// </summary>
public sealed class ModelCatalog(IGrainFactory grains, IOptionsMonitor<GatewayOptions> options)
{
    /// <summary>How long a silo may take to describe its model before the model counts as unavailable.</summary>
    static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(10);

    readonly ConcurrentDictionary<string, ModelInfo> _described = new();

    /// <summary>Ids of the models the gateway routes to, the default first.</summary>
    public IReadOnlyList<string> Configured => options.CurrentValue.Models;

    /// <summary>
    /// The model a request names, or the default (the first configured) when it names none; throws
    /// <see cref="ModelNotServedException"/> when that is not one of <see cref="Configured"/>.
    /// </summary>
    public string Resolve(string? model)
    {
        var configured = Configured;
        var resolved = string.IsNullOrEmpty(model) ? configured.FirstOrDefault() : model;
        return resolved is not null && configured.Contains(resolved) ? resolved : throw new ModelNotServedException(model ?? "");
    }

    /// <summary>Describes a configured model; throws <see cref="ModelUnavailableException"/> when no silo answers for it.</summary>
    public async ValueTask<ModelInfo> DescribeAsync(string model, CancellationToken ct = default)
    {
        if (_described.TryGetValue(model, out var known)) return known;
        try
        {
            var info = await grains.GetGrain<IModelGrain>(model).DescribeAsync().AsTask().WaitAsync(DescribeTimeout, ct);
            return _described[model] = info;
        }
        catch (ModelUnavailableException) { throw; }   // placement found no silo for it
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // No silo (rejected message, timeout) or a silo that serves another model (KeyNotFoundException).
            throw new ModelUnavailableException(model, e.Message);
        }
    }

    /// <summary>The configured models some silo serves right now, in configuration order.</summary>
    public async Task<IReadOnlyList<ModelInfo>> ServedAsync(CancellationToken ct = default)
    {
        var served = new List<ModelInfo>();
        foreach (var id in Configured)
        {
            try { served.Add(await DescribeAsync(id, ct)); }
            catch (ModelUnavailableException) { }
        }
        return served;
    }
}
