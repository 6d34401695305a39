using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts;
using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using SmolLM3.Engine.Text;
using TorchSharp;

namespace SmolLM3.Silo.Models;

/// <summary>
/// The silo's model, tokenizer and prompt renderer; one per process, shared by every grain. Constructing it loads
/// nothing: <see cref="Load"/> is the explicit start-up step (<see cref="ModelLoading"/> runs it before the silo
/// starts), and every member below throws until it has run.
/// </summary>
public sealed class ModelHost(IOptions<SmolLMSiloOptions> options, ILogger<ModelHost> logger, ModelDecorator? decorator = null) : IDisposable
{
    Loaded? _loaded;

    sealed record Loaded(ChatModel Chat, PromptRenderer Renderer, ModelInfo Info, KvBlockPool KvPool);

    Loaded Current => _loaded ?? throw new InvalidOperationException("the model is not loaded yet");

    /// <summary>True once <see cref="Load"/> has finished.</summary>
    public bool IsLoaded => _loaded is not null;

    /// <summary>
    /// Loads the weights, tokenizer and template and allocates the KV pool, logging progress; cancelling stops
    /// between tensors and frees what was loaded.
    /// </summary>
    public void Load(CancellationToken cancellation)
    {
        if (_loaded is not null) throw new InvalidOperationException("the model is already loaded");
        var o = options.Value;
        var kvFormat = o.ResolvedKvFormat;   // before the weights: a bad value fails fast, naming its key
        var kvBytes = o.ResolvedKvCacheBytes;
        var spillBytes = o.ResolvedKvSpillBytes;
        var progress = new LoadLogging(logger, cancellation);
        CausalLM model;
        DTypeChoice dtype;
        using (var source = ModelSources.Open(o.ModelPath, o.Context, SmolLMSiloOptions.KeyOf))   // weights are copied out: the file mapping can close
        {
            var device = torch.device(o.Device);
            dtype = o.ResolveDType(source, device);
            logger.LogInformation("Loading model {ModelPath} ({DTypeChoice} on {Device}, KV cache {KvDType})",
                o.ModelPath, dtype, o.Device, (kvFormat ?? KvFormat.DefaultFor(dtype.DType)).Name);
            model = CausalLM.Load(source, dtype.DType, device, progress, kvFormat: kvFormat);
        }
        ILanguageModel served = decorator?.Invoke(model) ?? model;
        try
        {
            var chat = ChatModel.ForPath(o.ModelPath, served);
            var info = new ModelInfo(o.ResolvedModelId, served.Config.Architecture, served.Config.ContextLength);
            if (o.ContextLength is not null
                && KvPoolContextFit.Shortfall(served.Config, model.KvFormat, kvBytes, o.KvBlockTokens, o.KvCacheSizeKey, SmolLMSiloOptions.KeyOf(ContextSetting.ContextLength)) is { } why)
                throw new SiloSettingException(o.KvCacheSizeKey, why);
            var pool = served.NewBlockPool(kvBytes, o.KvBlockTokens);
            if (o.KvPrefixSharing) pool.SharePrefixes(KvIdentity.Of(o, dtype.DType));
            if (o.KvSpillFolder is { } spill) SpillTo(pool, spill, spillBytes);
            _loaded = new Loaded(chat, new PromptRenderer(chat.Prompts), info, pool);
            logger.LogInformation("Loaded {ModelId} ({Architecture}, context {ContextLength}, YaRN {Yarn}); KV pool of {Blocks} blocks × {BlockTokens} tokens ({Bytes} bytes of {KvDType})",
                info.Id, info.Architecture, info.ContextLength, served.Config.Yarn?.ToString() ?? "none", pool.TotalBlocks, pool.BlockTokens, pool.TotalBytes, pool.Format);
        }
        catch
        {
            served.Dispose();
            throw;
        }
    }

    void SpillTo(KvBlockPool pool, string folder, long bytes)
    {
        if (!pool.SharesPrefixes)
        {
            logger.LogWarning("{Key} is set but KV prefix sharing is off: spilled blocks could not be found again, so nothing is spilled",
                $"{SmolLMSiloOptions.Section}:{nameof(SmolLMSiloOptions.KvSpillFolder)}");
            return;
        }
        var store = new KvSpillStore(folder, pool.AddressRoot, bytes);
        store.Warning += (message, e) => logger.LogWarning(e, "KV spill: {Message}", message);
        pool.SpillTo(store);
        var stats = store.Stats;
        logger.LogInformation("KV spill tier in {Folder}: {Blocks} blocks ({Bytes} bytes) kept from before, budget {Budget} bytes",
            folder, stats.Blocks, stats.Bytes, bytes);
    }

    public ILanguageModel Model => Current.Chat.Model;
    public TextTokenizer Tokenizer => Current.Chat.Tokenizer;
    public PromptRenderer Renderer => Current.Renderer;
    public ModelInfo Info => Current.Info;

    /// <summary>Every conversation's KV cache comes from this pool, sized by <see cref="SmolLMSiloOptions.KvCacheSize"/>.</summary>
    public KvBlockPool KvPool => Current.KvPool;

    /// <summary>Sampling settings a turn does not give: the model's generation_config.json, with its stop tokens.</summary>
    public SamplingOptions Defaults => Current.Chat.Defaults;

    /// <summary>Tokens that end a reply: the config's EOS ids, the tokenizer's, and ChatML's end of turn.</summary>
    public IReadOnlySet<int> StopTokenIds => Current.Chat.Defaults.StopTokenIds;

    public void Dispose()
    {
        // what conversations hold goes to the spill tier, so a restart on the same volume continues from it
        try { _loaded?.KvPool.SpillAll(); }
        catch (Exception e) { logger.LogWarning(e, "KV spill at shutdown failed; those blocks are recomputed after a restart"); }
        _loaded?.KvPool.Dispose();
        _loaded?.Chat.Dispose();
    }

    /// <summary>Logs every tenth of the tensors loaded, and stops the load when start-up is cancelled.</summary>
    sealed class LoadLogging(ILogger logger, CancellationToken cancellation) : IProgress<LoadProgress>
    {
        int _lastTenth = -1;

        public void Report(LoadProgress value)
        {
            cancellation.ThrowIfCancellationRequested();
            int tenth = value.Total == 0 ? 10 : value.Done * 10 / value.Total;
            if (tenth == _lastTenth) return;
            _lastTenth = tenth;
            logger.LogInformation("Loading weights: {Done}/{Total} tensors", value.Done, value.Total);
        }
    }
}
