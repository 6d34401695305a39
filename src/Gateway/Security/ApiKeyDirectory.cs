using System.Text.Json;
using Microsoft.Extensions.Options;

namespace SmolLM3.Gateway.Security;

/// <summary>
/// Which tenant an API key belongs to: <see cref="GatewayOptions.ApiKeys"/> plus the keys file, whose content
/// is compared with the last read at most every <see cref="FileCheckInterval"/>, so a rotated secret takes
/// effect without a restart. A file that does not parse keeps the previous keys (a writer may be midway).
/// </summary>
public sealed class ApiKeyDirectory(IOptionsMonitor<GatewayOptions> options, ILogger<ApiKeyDirectory> logger)
{
    static readonly TimeSpan FileCheckInterval = TimeSpan.FromMilliseconds(250);

    readonly Lock _lock = new();
    FileKeys _file = FileKeys.None;

    /// <summary>The tenant of <paramref name="key"/>, or null for a missing or unknown key.</summary>
    public string? TenantOf(string? key)
    {
        if (string.IsNullOrEmpty(key)) return null;
        var o = options.CurrentValue;
        string? tenant = null;
        if (o.ApiKeysFile is { Length: > 0 } path) FileKeysOf(path).Keys.TryGetValue(key, out tenant);
        if (tenant is null) o.ApiKeys.TryGetValue(key, out tenant);
        return string.IsNullOrEmpty(tenant) ? null : tenant;
    }

    /// <summary>The key of a request: <c>authorization: Bearer KEY</c>, else <c>x-api-key: KEY</c>.</summary>
    public static string? KeyOf(string? authorization, string? apiKeyHeader)
    {
        const string bearer = "Bearer ";
        if (authorization is not null && authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
            return authorization[bearer.Length..].Trim();
        return apiKeyHeader?.Trim();
    }

    FileKeys FileKeysOf(string path)
    {
        var now = Environment.TickCount64;
        var current = _file;
        if (current.Path == path && now - current.CheckedAt < FileCheckInterval.TotalMilliseconds) return current;
        lock (_lock)
        {
            if (_file.Path == path && now - _file.CheckedAt < FileCheckInterval.TotalMilliseconds) return _file;
            _file = Read(path, _file.Path == path ? _file : FileKeys.None, now);
            return _file;
        }
    }

    FileKeys Read(string path, FileKeys previous, long now)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            bytes = "{}"u8.ToArray();   // a removed file revokes its keys
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("API keys file {Path} is unreadable ({Reason}); keeping the keys read before", path, e.Message);
            return previous with { Path = path, CheckedAt = now };
        }
        if (previous.Content is { } seen && seen.AsSpan().SequenceEqual(bytes)) return previous with { CheckedAt = now };
        try
        {
            var keys = JsonSerializer.Deserialize<Dictionary<string, string>>(bytes)
                ?? throw new JsonException("the file holds null");
            logger.LogInformation("Read {Count} API keys from {Path}", keys.Count, path);
            return new FileKeys(path, bytes, keys, now);
        }
        catch (JsonException e)
        {
            logger.LogWarning("API keys file {Path} is not a JSON object of key → tenant ({Reason}); keeping the keys read before", path, e.Message);
            return previous with { Path = path, CheckedAt = now };
        }
    }

    /// <summary>One reading of the keys file.</summary>
    sealed record FileKeys(string? Path, byte[]? Content, IReadOnlyDictionary<string, string> Keys, long CheckedAt)
    {
        public static readonly FileKeys None = new(null, null, new Dictionary<string, string>(), 0);
    }
}
