using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests;

/// <summary>Loads a fixture model in F32 on the CPU (skipping the test where fixtures are absent).</summary>
public static class TinyModels
{
    /// <param name="kv">How its KV caches hold keys and values (default: F32).</param>
    public static CausalLM Load(string relativePath, KvFormat? kv = null)
    {
        using var source = ModelSources.Open(Fixtures.Require(relativePath.Split('/')));
        return CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU, kvFormat: kv ?? KvFormat.F32);
    }
}
