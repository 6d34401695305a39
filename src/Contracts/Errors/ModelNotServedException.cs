namespace SmolLM3.Contracts.Errors;

/// <summary>
/// The request names a model the gateway does not route to (or, naming none, no model is configured);
/// gRPC answers INVALID_ARGUMENT, the OpenAI API 404 <c>model_not_found</c>.
/// </summary>
[GenerateSerializer, Alias("smollm3.ModelNotServedException")]
public sealed class ModelNotServedException : Exception
{
    public ModelNotServedException(string model)
        : base(model is "" ? "no model is configured" : $"model '{model}' is not served (see ListModels or GET /v1/models)")
        => Model = model;

    [Id(0)] public string Model { get; }
}
