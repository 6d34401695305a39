namespace SmolLM3.Contracts.Errors;

/// <summary>
/// A turn failed midway on its silo for a reason of the server's own. The silo logged the cause under
/// <see cref="ErrorId"/>; the client sees only that id (INTERNAL / 500).
/// </summary>
[GenerateSerializer, Alias("smollm3.TurnFailedException")]
public sealed class TurnFailedException : Exception
{
    public TurnFailedException(string errorId) : base($"the turn failed on its silo (error id {errorId})") => ErrorId = errorId;

    [Id(0)] public string ErrorId { get; }
}
