namespace SmolLM3.Contracts.Errors;

/// <summary>The session is still generating a reply, so it takes no other turn (nor deletion); the gateway answers FAILED_PRECONDITION / 409.</summary>
[GenerateSerializer, Alias("smollm3.SessionBusyException")]
public sealed class SessionBusyException : Exception
{
    public SessionBusyException(string message) : base(message) { }
}
