using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests;

/// <summary>Loads a fixture model in F32 on the CPU (skipping the test where fixtures are absent).</summary>
public static class TinyModels
{
    public static CausalLM Load(string relativePath)
    {
        using var source = ModelSources.Open(Fixtures.Require(relativePath.Split('/')));
        return CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU);
    }
}
