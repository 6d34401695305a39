namespace SmolLM3.Contracts.Errors;

/// <summary>The request itself is malformed (a message, a sampling setting, a field); the gateway answers INVALID_ARGUMENT / 400.</summary>
[GenerateSerializer, Alias("smollm3.InvalidRequestException")]
public sealed class InvalidRequestException : Exception
{
    public InvalidRequestException(string message) : base(message) { }
}
