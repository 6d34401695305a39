using System.Diagnostics;

namespace SmolLM3.Engine.Diagnostics;

/// <summary>The engine's trace source: spans for loading and for each batched forward pass (no cost without a listener).</summary>
public static class EngineTelemetry
{
    public const string SourceName = "SmolLM3.Engine";

    public static readonly ActivitySource Source = new(SourceName);
}
