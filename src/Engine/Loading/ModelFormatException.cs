namespace SmolLM3.Engine.Loading;

/// <summary>A model file or folder is malformed, truncated, or inconsistent with its config.</summary>
public sealed class ModelFormatException(string message, Exception? inner = null) : Exception(message, inner);
