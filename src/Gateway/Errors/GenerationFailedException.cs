namespace SmolLM3.Gateway.Errors;

/// <summary>The cluster failed a turn midway (its Finished event carried an error); HTTP answers 500 with the reason.</summary>
public sealed class GenerationFailedException(string reason) : Exception($"generation failed: {reason}");
