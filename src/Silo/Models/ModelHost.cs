using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts;
using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using SmolLM3.Engine.Text;
using SmolLM3.Silo.Hosting;
using TorchSharp;

namespace SmolLM3.Silo.Models;

/// <summary>The silo's loaded model, tokenizer and prompt renderer; one per process, shared by every grain.</summary>
public sealed class ModelHost : IDisposable
{
    public ModelHost(IOptions<SmolLMSiloOptions> options, ILogger<ModelHost> logger)
    {
        var o = options.Value;
        logger.LogInformation("Loading model {ModelPath}", o.ModelPath);
        CausalLM model;
        using (var source = ModelSources.Open(o.ModelPath))   // weights are copied out: the file mapping can close
            model = CausalLM.Load(source, ParseDType(o.DType), torch.device(o.Device));
        _chat = ChatModel.ForPath(o.ModelPath, model);
        Renderer = new PromptRenderer(_chat.Prompts);
        Info = new ModelInfo(o.ResolvedModelId, Model.Config.Architecture, Model.Config.MaxPositionEmbeddings);
        KvPool = Model.NewBlockPool(o.ResolvedKvCacheBytes, o.KvBlockTokens);
        logger.LogInformation("Loaded {ModelId} ({Architecture}); KV pool of {Blocks} blocks × {BlockTokens} tokens ({Bytes} bytes)",
            Info.Id, Info.Architecture, KvPool.TotalBlocks, KvPool.BlockTokens, KvPool.TotalBytes);
    }

    static torch.ScalarType ParseDType(string dtype) => dtype switch
    {
        "f32" => torch.ScalarType.Float32,
        "bf16" => torch.ScalarType.BFloat16,
        "f16" => torch.ScalarType.Float16,
        _ => throw new ArgumentException($"SmolLM3:DType '{dtype}' is not one of f32, bf16, f16"),
    };

    readonly ChatModel _chat;

    public CausalLM Model => _chat.Model;
    public TextTokenizer Tokenizer => _chat.Tokenizer;
    public PromptRenderer Renderer { get; }
    public ModelInfo Info { get; }

    /// <summary>Every conversation's KV cache comes from this pool, sized by <see cref="SmolLMSiloOptions.KvCacheBytes"/>.</summary>
    public KvBlockPool KvPool { get; }

    /// <summary>Sampling settings a turn does not give: the model's generation_config.json, with its stop tokens.</summary>
    public SamplingOptions Defaults => _chat.Defaults;

    /// <summary>Tokens that end a reply: the config's EOS ids, the tokenizer's, and ChatML's end of turn.</summary>
    public IReadOnlySet<int> StopTokenIds => _chat.Defaults.StopTokenIds;

    public void Dispose()
    {
        KvPool.Dispose();
        _chat.Dispose();
    }
}
