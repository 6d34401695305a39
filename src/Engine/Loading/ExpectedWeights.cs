namespace SmolLM3.Engine.Loading;

/// <summary>The Hugging Face tensors a config implies, with their PyTorch shapes ([out, in] for linear layers).</summary>
public static class ExpectedWeights
{
    public static IEnumerable<(string Name, long[] Shape)> For(ModelConfig c)
    {
        yield return ("model.embed_tokens.weight", [c.VocabSize, c.HiddenSize]);
        yield return ("model.norm.weight", [c.HiddenSize]);
        if (!c.TieWordEmbeddings) yield return ("lm_head.weight", [c.VocabSize, c.HiddenSize]);
        for (var i = 0; i < c.NumLayers; i++)
        {
            var p = $"model.layers.{i}.";
            yield return (p + "input_layernorm.weight", [c.HiddenSize]);
            yield return (p + "self_attn.q_proj.weight", [c.QueryDim, c.HiddenSize]);
            yield return (p + "self_attn.k_proj.weight", [c.KvDim, c.HiddenSize]);
            yield return (p + "self_attn.v_proj.weight", [c.KvDim, c.HiddenSize]);
            yield return (p + "self_attn.o_proj.weight", [c.HiddenSize, c.QueryDim]);
            yield return (p + "post_attention_layernorm.weight", [c.HiddenSize]);
            yield return (p + "mlp.gate_proj.weight", [c.IntermediateSize, c.HiddenSize]);
            yield return (p + "mlp.up_proj.weight", [c.IntermediateSize, c.HiddenSize]);
            yield return (p + "mlp.down_proj.weight", [c.HiddenSize, c.IntermediateSize]);
        }
    }
}
