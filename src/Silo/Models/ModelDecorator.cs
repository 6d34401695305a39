using SmolLM3.Engine.Model;

namespace SmolLM3.Silo.Models;

/// <summary>
/// Puts another model in front of the loaded one (registered in the silo's services; tests use it for a scripted
/// model). The returned model owns <paramref name="loaded"/> and disposes it.
/// </summary>
public delegate ILanguageModel ModelDecorator(CausalLM loaded);
