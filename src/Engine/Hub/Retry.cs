namespace SmolLM3.Engine.Hub;

/// <summary>Retries network failures with exponential backoff; hub answers like 404 are not retried.</summary>
internal static class Retry
{
    public static async Task<T> RunAsync<T>(HubOptions options, string what, Func<Task<T>> action, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (IsTransient(e, ct) && attempt < options.MaxAttempts)
            {
                await Task.Delay(options.RetryDelay * Math.Pow(2, attempt - 1), ct);
            }
            catch (Exception e) when (IsTransient(e, ct))
            {
                throw new HubException($"{what} failed after {attempt} attempts (network error: {e.Message})", e) { IsNetworkFailure = true };
            }
        }
    }

    static bool IsTransient(Exception e, CancellationToken ct) => e switch
    {
        HubException => false,
        HttpRequestException => true, // refused, reset, 5xx, 429
        IOException => true, // connection dropped mid-body
        OperationCanceledException => !ct.IsCancellationRequested, // a timeout, not the caller
        _ => false,
    };
}
