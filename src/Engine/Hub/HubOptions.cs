namespace SmolLM3.Engine.Hub;

/// <summary>
/// Where the cache lives, which hub to ask and how. Built from the same environment variables
/// huggingface_hub reads (<see cref="FromEnvironment"/>), so Python and .NET share one cache.
/// </summary>
public sealed record HubOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The Hugging Face home (HF_HOME); the cache is its <c>hub</c> folder unless <see cref="HubCache"/> is set.</summary>
    public required string HfHome { get; init; }

    /// <summary>HF_HUB_CACHE: overrides <c>{HfHome}/hub</c>.</summary>
    public string? HubCache { get; init; }

    /// <summary>HF_ENDPOINT, without a trailing slash.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>HF_TOKEN (or the token file huggingface-cli login writes), sent as a bearer token.</summary>
    public string? Token { get; init; }

    /// <summary>HF_HUB_OFFLINE: never touch the network, resolve from the cache only.</summary>
    public bool Offline { get; init; }

    /// <summary>Attempts per request before a network failure is reported (downloads resume between attempts).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay before the first retry; doubled for each later one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public string CacheDir => HubCache ?? Path.Combine(HfHome, "hub");

    /// <summary>Reads the options from the environment; <paramref name="lookup"/> replaces it in tests.</summary>
    public static HubOptions FromEnvironment(Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => lookup(name) is { Length: > 0 } v ? v : null;

        var hfHome = Get("HF_HOME") ?? Path.Combine(
            Get("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "huggingface");
        return new HubOptions
        {
            HfHome = hfHome,
            HubCache = Get("HF_HUB_CACHE"),
            Endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/'),
            Token = Get("HF_TOKEN") ?? ReadTokenFile(Get("HF_TOKEN_PATH") ?? Path.Combine(hfHome, "token")),
            Offline = IsTrue(Get("HF_HUB_OFFLINE")),
        };
    }

    // Same truthy spellings as huggingface_hub's constants._is_true.
    static bool IsTrue(string? value) =>
        value is not null && (value.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE");

    static string? ReadTokenFile(string path) =>
        File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;
}
