namespace SmolLM3.Silo;

/// <summary>A silo setting the silo cannot use; the message starts with its configuration key.</summary>
public sealed class SiloSettingException(string key, string message) : Exception($"{key}: {message}")
{
    /// <summary>The configuration key, e.g. SmolLM3:Silo:KvDType.</summary>
    public string Key { get; } = key;
}
