using System.Text.Json;

namespace SmolLM3.Engine.Hub;

/// <summary>Which files of a repo a model needs, chosen from the repo's file list (online) or a snapshot (offline).</summary>
internal static class RepoFiles
{
    static readonly string[] Required = ["config.json", "tokenizer.json", "tokenizer_config.json"];
    static readonly string[] Optional = ["generation_config.json", "chat_template.jinja"];
    public const string SingleWeights = "model.safetensors";
    public const string WeightsIndex = "model.safetensors.index.json";

    /// <summary>The files of a Hugging Face folder model, except the shards an index names (read it first).</summary>
    public static IReadOnlyList<string> ForFolder(string repo, IReadOnlyCollection<string> listed)
    {
        var missing = Required.Where(f => !listed.Contains(f)).ToList();
        var weights = listed.Contains(SingleWeights) ? SingleWeights : listed.Contains(WeightsIndex) ? WeightsIndex : null;
        if (weights is null) missing.Add($"{SingleWeights} or {WeightsIndex}");
        if (missing.Count > 0)
        {
            var hint = listed.Any(IsGguf) ? $" It holds GGUF files: ask for one with {repo}:QUANT." : "";
            throw new HubException($"{repo} is not a Hugging Face model folder: it lacks {string.Join(", ", missing)}.{hint}");
        }
        return [.. Required, .. Optional.Where(listed.Contains), weights!];
    }

    /// <summary>The one .gguf file whose name contains the quant tag (case-insensitive).</summary>
    public static string ForQuant(string repo, string quant, IReadOnlyCollection<string> listed)
    {
        var ggufs = listed.Where(IsGguf).Order(StringComparer.Ordinal).ToList();
        var matches = ggufs.Where(f => Path.GetFileName(f).Contains(quant, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 1) return matches[0];
        var available = ggufs.Count == 0 ? "none" : string.Join(", ", ggufs);
        throw new HubException(matches.Count == 0
            ? $"{repo} has no .gguf file matching '{quant}'. Available: {available}"
            : $"{repo} has several .gguf files matching '{quant}': {string.Join(", ", matches)}. Use a more specific tag.");
    }

    /// <summary>The shard files a <c>model.safetensors.index.json</c> names in its weight_map.</summary>
    public static IReadOnlyList<string> Shards(string indexPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new HubException($"{indexPath}: no weight_map object");
        return map.EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    static bool IsGguf(string path) => path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);
}
