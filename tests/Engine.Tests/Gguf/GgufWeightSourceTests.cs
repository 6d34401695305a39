using System.Text.Json;
using SmolLM3.Engine.Gguf;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Gguf;

public class GgufWeightSourceTests
{
    [SkippableTheory]
    [InlineData("tiny-smollm3", "q8_0")]
    [InlineData("tiny-smollm3", "q4_k_m")]
    [InlineData("tiny-smollm2", "f16")]
    [InlineData("tiny-smollm2", "q5_k_m")]
    public void ConfigMatchesHuggingFaceConfig(string model, string quant)
    {
        using var hf = JsonDocument.Parse(File.ReadAllText(Fixtures.Require(model, "hf", "config.json")));
        var want = hf.RootElement;
        using var source = GgufWeightSource.Open(Fixtures.Require(model, $"model-{quant}.gguf"));
        var c = source.Config;

        Assert.Equal(want.GetProperty("model_type").GetString(), c.Architecture);
        Assert.Equal(want.GetProperty("hidden_size").GetInt32(), c.HiddenSize);
        Assert.Equal(want.GetProperty("intermediate_size").GetInt32(), c.IntermediateSize);
        Assert.Equal(want.GetProperty("num_hidden_layers").GetInt32(), c.NumLayers);
        Assert.Equal(want.GetProperty("num_attention_heads").GetInt32(), c.NumHeads);
        Assert.Equal(want.GetProperty("num_key_value_heads").GetInt32(), c.NumKvHeads);
        Assert.Equal(want.GetProperty("vocab_size").GetInt32(), c.VocabSize);
        Assert.Equal(want.GetProperty("max_position_embeddings").GetInt32(), c.MaxPositionEmbeddings);
        Assert.Equal(want.GetProperty("rope_theta").GetDouble(), c.RopeTheta);
        Assert.Equal(want.GetProperty("rms_norm_eps").GetDouble(), c.RmsNormEps);
        Assert.Equal(want.GetProperty("tie_word_embeddings").GetBoolean(), c.TieWordEmbeddings);
        Assert.Equal([want.GetProperty("eos_token_id").GetInt32()], c.EosTokenIds);
        Assert.Null(c.ExplicitHeadDim);
        Assert.Null(c.Yarn);
        if (want.TryGetProperty("no_rope_layers", out var noRope))
            Assert.Equal(noRope.EnumerateArray().Select(e => e.GetInt32() == 1), c.RopeLayers!);
        else
            Assert.Null(c.RopeLayers);
    }

    [SkippableFact]
    public void SmolLM3SkipsRopeOnLayerThreeOnly()
    {
        using var source = GgufWeightSource.Open(Fixtures.Require("tiny-smollm3", "model-q8_0.gguf"));
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(source.Config.UsesRope));
        Assert.True(source.Config.TieWordEmbeddings);
        Assert.False(source.Contains("lm_head.weight"));
    }

    [SkippableFact]
    public void ExposesHuggingFaceNamesAndPyTorchShapes()
    {
        using var source = GgufWeightSource.Open(Fixtures.Require("tiny-smollm2", "model-f16.gguf"));
        var shapes = source.Weights.ToDictionary(w => w.Name, w => w.Shape);
        Assert.Equal(3 + 3 * 9, shapes.Count);
        Assert.Equal([49152L, 64], shapes["model.embed_tokens.weight"]);
        Assert.Equal([49152L, 64], shapes["lm_head.weight"]);
        Assert.Equal([64L], shapes["model.norm.weight"]);
        Assert.Equal([64L, 64], shapes["model.layers.2.self_attn.q_proj.weight"]);
        Assert.Equal([32L, 64], shapes["model.layers.0.self_attn.k_proj.weight"]);
        Assert.Equal([64L, 256], shapes["model.layers.1.mlp.down_proj.weight"]);
        Assert.True(source.Contains("model.layers.0.post_attention_layernorm.weight"));
        Assert.False(source.Contains("blk.0.attn_q.weight"));
    }

    [SkippableTheory]
    [InlineData("self_attn.q_proj")]
    [InlineData("self_attn.k_proj")]
    [InlineData("self_attn.v_proj")]
    [InlineData("self_attn.o_proj")]
    [InlineData("mlp.gate_proj")]
    public void LoadMatchesSafetensorsWithinF16Rounding(string module)
    {
        var hfFolder = Fixtures.Require("tiny-smollm2", "hf");
        using var source = GgufWeightSource.Open(Fixtures.Require("tiny-smollm2", "model-f16.gguf"));
        for (var layer = 0; layer < source.Config.NumLayers; layer++)
        {
            var name = $"model.layers.{layer}.{module}.weight";
            var (shape, expected) = SafetensorsTestReader.ReadBf16(hfFolder, name);
            using var loaded = source.Load(name, torch.ScalarType.Float32, torch.CPU);
            Assert.Equal(shape, loaded.shape);
            var actual = loaded.data<float>().ToArray();
            for (var i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-3 * Math.Abs(expected[i]) + 1e-7,
                    $"{name}[{i}]: GGUF {actual[i]} vs safetensors {expected[i]}");
        }
    }

    [SkippableTheory]
    [InlineData("self_attn.q_proj")]
    [InlineData("self_attn.k_proj")]
    [InlineData("self_attn.o_proj")]
    public void SmolLM3Q8LoadMatchesSafetensorsWithinQuantizationError(string module)
    {
        // Q8_0 rounds each value to the nearest multiple of d = amax/127 of its 32-value block (within a row).
        // This GGUF was quantized from weights that are not BF16-exact, so allow half a BF16 ulp more.
        var hf = Fixtures.Require("tiny-smollm3", "hf");
        using var source = GgufWeightSource.Open(Fixtures.Require("tiny-smollm3", "model-q8_0.gguf"));
        var name = $"model.layers.1.{module}.weight";
        var (shape, expected) = SafetensorsTestReader.ReadSingleFile(hf, name);
        using var loaded = source.Load(name, torch.ScalarType.Float32, torch.CPU);
        Assert.Equal(shape, loaded.shape);
        var actual = loaded.data<float>().ToArray();
        for (var start = 0; start < expected.Length; start += 32)
        {
            var d = expected.AsSpan(start, 32).ToArray().Max(Math.Abs) / 127;
            for (var i = start; i < start + 32; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 0.51 * d + Math.Abs(expected[i]) / 256, $"{name}[{i}]: GGUF {actual[i]} vs safetensors {expected[i]}");
        }
    }

    [SkippableFact]
    public void StoredQueryRowsReallyArePermuted()
    {
        // Guards the test above: without the un-permutation, q_proj would not match.
        using var file = GgufFile.Open(Fixtures.Require("tiny-smollm2", "model-f16.gguf"));
        var (_, expected) = SafetensorsTestReader.ReadBf16(Fixtures.Require("tiny-smollm2", "hf"), "model.layers.0.self_attn.q_proj.weight");
        var raw = file.DequantizeToFloat32(file.GetTensor("blk.0.attn_q.weight"));
        Assert.True(raw.Zip(expected).Count(p => Math.Abs(p.First - p.Second) > 1e-3 * Math.Abs(p.Second) + 1e-7) > raw.Length / 2);
    }

    [Fact]
    public void UnpermuteInvertsTheConverterPermutation()
    {
        // 2 heads of 4 rows, 1 column: converter order per head is [r0, r2, r1, r3] (pairs interleaved).
        float[] stored = [0, 2, 1, 3, 4, 6, 5, 7];
        Assert.Equal([0f, 1, 2, 3, 4, 5, 6, 7], LlamaCppPermutation.Unpermute(stored, 8, 1, 2));
    }

    [Theory]
    [InlineData(8, 3, 2)]
    [InlineData(64, 5, 4)]
    [InlineData(12, 1, 3)]
    public unsafe void UnpermuteInPlaceMovesTheRowsUnpermuteDoes(int rows, int cols, int heads)
    {
        var random = new Random(rows * 31 + cols);
        var stored = Enumerable.Range(0, rows * cols).Select(_ => random.NextSingle()).ToArray();
        var want = LlamaCppPermutation.Unpermute(stored, rows, cols, heads);
        fixed (float* p = stored) LlamaCppPermutation.UnpermuteInPlace(p, rows, cols, heads);
        Assert.Equal(want, stored);
    }

    [SkippableFact]
    public void DenseWeightsGoStraightIntoTheirTensorWithoutAnArrayOfTheirSize()
    {
        // the embedding of tiny-smollm2 is 49152 x 64 floats (12.6 MB) in F16: loading it as F32 must not pass it
        // through a managed array (the model's size again in large-object garbage, before)
        using var source = GgufWeightSource.Open(Fixtures.Require("tiny-smollm2", "model-f16.gguf"));
        source.Load("model.norm.weight", torch.ScalarType.Float32, torch.CPU).Dispose();   // first-call costs out of the way
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var embed = source.Load("model.embed_tokens.weight", torch.ScalarType.Float32, torch.CPU);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal([49152L, 64], embed.shape);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated on the managed heap to load a 12.6 MB weight");
        // and the values are the file's: what the serial dequantizer gives for its bytes (Load goes through the parallel one)
        using var file = GgufFile.Open(Fixtures.Require("tiny-smollm2", "model-f16.gguf"));
        var info = file.GetTensor("token_embd.weight");
        var want = new float[info.ElementCount];
        Dequantizer.Dequantize(info.Type, file.GetTensorBytes(info), want);
        Assert.Equal(want, embed.data<float>().ToArray());
    }

    [SkippableFact]
    public void LoadConvertsDtypeAndExposesTokenizerMetadata()
    {
        using var source = GgufWeightSource.Open(Fixtures.Require("tiny-smollm3", "model-q4_k_m.gguf"));
        using var embed = source.Load("model.embed_tokens.weight", torch.ScalarType.BFloat16, torch.CPU);
        Assert.Equal(torch.ScalarType.BFloat16, embed.dtype);
        Assert.Equal([128256L, 64], embed.shape);
        Assert.Equal(128256, source.Metadata.GetArray<string>("tokenizer.ggml.tokens").Length);
        Assert.Equal("gpt2", source.Metadata.GetString("tokenizer.ggml.model"));
        Assert.Contains("<|im_start|>", source.Metadata.GetString("tokenizer.chat_template"));
        Assert.Contains("GGUF v3", source.Description);
    }

    [Fact]
    public void TensorNamesRoundTrip()
    {
        Assert.Equal("model.layers.12.mlp.down_proj.weight", GgufTensorNames.ToHuggingFace("blk.12.ffn_down.weight"));
        Assert.Equal("blk.12.ffn_down.weight", GgufTensorNames.ToGguf("model.layers.12.mlp.down_proj.weight"));
        Assert.Equal("lm_head.weight", GgufTensorNames.ToHuggingFace("output.weight"));
        Assert.Equal("token_embd.weight", GgufTensorNames.ToGguf("model.embed_tokens.weight"));
        Assert.Null(GgufTensorNames.ToHuggingFace("rope_freqs.weight"));
    }
}
