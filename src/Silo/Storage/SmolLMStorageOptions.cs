namespace SmolLM3.Silo.Storage;

/// <summary>Where conversation transcripts are kept: section <c>SmolLM3:Storage</c>.</summary>
public sealed class SmolLMStorageOptions
{
    public const string Section = "SmolLM3:Storage";

    /// <summary><c>memory</c> (lost with the silo), <c>folder</c>, <c>redis</c> or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "memory";

    /// <summary>The folder for <c>folder</c> storage (one file per conversation; share it between silos on one machine).</summary>
    public string? Folder { get; set; }

    /// <summary>Redis (StackExchange.Redis syntax) or PostgreSQL (Npgsql syntax) connection string.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Throws when the provider lacks what it needs, naming the key to fix.</summary>
    public SmolLMStorageOptions Validate()
    {
        string? missing = Provider switch
        {
            "memory" => null,
            "folder" => string.IsNullOrWhiteSpace(Folder) ? "Folder" : null,
            "redis" or "postgres" => string.IsNullOrWhiteSpace(ConnectionString) ? "ConnectionString" : null,
            _ => throw new InvalidOperationException($"{Section}:Provider '{Provider}' is not one of memory, folder, redis, postgres"),
        };
        if (missing is not null) throw new InvalidOperationException($"{Section}:Provider is {Provider} but {Section}:{missing} is not set");
        return this;
    }
}
