using SmolLM3.Engine.Hub;

namespace SmolLM3.Cli;

/// <summary>
/// Turns <c>--model</c> into a local path: paths are used as they are; Hugging Face ids
/// (<c>org/name</c>, <c>org/name:QUANT</c>, <c>@revision</c>) are fetched into the standard HF cache.
/// </summary>
static class ModelDownloads
{
    public static string Resolve(string reference, TextWriter stderr)
    {
        if (File.Exists(reference) || Directory.Exists(reference)) return reference;
        if (!ModelReference.TryParse(reference, out _))
            throw new CliUsageException($"model not found: {reference} (neither a local path nor a Hugging Face id like org/name or org/name:Q4_K_M)");
        using var resolver = ModelResolver.FromEnvironment();
        var progress = new LineProgress(stderr);
        try { return resolver.ResolveAsync(reference, progress).GetAwaiter().GetResult(); }
        catch (HubException e) { throw new CliUsageException(e.Message, e); }
    }
}
