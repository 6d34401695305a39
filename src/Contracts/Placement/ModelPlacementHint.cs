namespace SmolLM3.Contracts.Placement;

/// <summary>
/// Tells the silos' placement which model a call's grain needs, through the Orleans request context: a new
/// conversation has nothing stored yet, so the caller creating it says which model it is for.
/// </summary>
public static class ModelPlacementHint
{
    /// <summary>Request-context key holding the model id.</summary>
    public const string Key = "smollm3.model";

    /// <summary>Sets the hint for calls made until the returned scope is disposed.</summary>
    public static IDisposable For(string model)
    {
        RequestContext.Set(Key, model);
        return new Scope();
    }

    sealed class Scope : IDisposable
    {
        public void Dispose() => RequestContext.Remove(Key);
    }
}
