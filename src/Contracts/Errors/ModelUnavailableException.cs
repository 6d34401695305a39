namespace SmolLM3.Contracts.Errors;

/// <summary>No silo in the cluster serves the model right now; the gateway answers UNAVAILABLE (retryable).</summary>
[GenerateSerializer, Alias("smollm3.ModelUnavailableException")]
public sealed class ModelUnavailableException : Exception
{
    public ModelUnavailableException(string model, string reason)
        : base($"no silo serves model '{model}': {reason}")
        => Model = model;

    [Id(0)] public string Model { get; }
}
