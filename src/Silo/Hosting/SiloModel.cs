using SmolLM3.Engine.Hub;

namespace SmolLM3.Silo.Hosting;

/// <summary>Turns <see cref="SmolLMSiloOptions.ModelPath"/> into a local path, downloading a Hugging Face id into the model cache once.</summary>
public static class SiloModel
{
    /// <summary>
    /// Leaves a local path as it is; resolves a hub id (org/name[:QUANT][@rev]) into <see cref="SmolLMSiloOptions.ModelCache"/>
    /// (default: the standard HF cache) and keeps the id as the model's id unless <see cref="SmolLMSiloOptions.ModelId"/> is set.
    /// </summary>
    public static async Task ResolveAsync(SmolLMSiloOptions options, TextWriter log, CancellationToken ct = default)
    {
        var reference = options.ModelPath;
        if (string.IsNullOrWhiteSpace(reference))
            throw new InvalidOperationException($"set {SmolLMSiloOptions.Section}:ModelPath to a model folder, a .gguf file or a Hugging Face id (org/name[:QUANT])");
        if (File.Exists(reference) || Directory.Exists(reference)) return;
        if (!ModelReference.TryParse(reference, out _))
            throw new InvalidOperationException($"{SmolLMSiloOptions.Section}:ModelPath '{reference}' is neither an existing path nor a Hugging Face id (org/name[:QUANT][@rev])");
        var hub = HubOptions.FromEnvironment();
        if (options.ModelCache is { } cache) hub = hub with { HubCache = cache };
        using var resolver = new ModelResolver(hub);
        options.ModelPath = await resolver.ResolveAsync(reference, new LineProgress(log), ct);
        options.ModelId ??= reference;
    }
}
