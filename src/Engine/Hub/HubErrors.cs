using System.Net;

namespace SmolLM3.Engine.Hub;

/// <summary>Turns a failed hub response into a message that says what to do; server errors stay retryable.</summary>
internal static class HubErrors
{
    public static void ThrowIfFailed(HttpResponseMessage response, string what, HubOptions options)
    {
        var status = (int)response.StatusCode;
        if (status is >= 200 and < 400) return;
        if (status >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
            throw new HttpRequestException($"{what}: HTTP {status} from {response.RequestMessage?.RequestUri}", null, response.StatusCode);

        // The hub names the cause in X-Error-Code; a missing repo answers 401 to anonymous callers.
        var code = response.Headers.TryGetValues("X-Error-Code", out var v) ? v.FirstOrDefault() : null;
        var tokenHint = options.Token is null
            ? "If it is private or gated, set HF_TOKEN to a token that can read it."
            : "The token in HF_TOKEN was sent; check that it can read this repo.";
        throw new HubException(code switch
        {
            "RepoNotFound" => $"{what}: repository not found at {options.Endpoint} (HTTP {status}). {tokenHint}",
            "RevisionNotFound" => $"{what}: revision not found (HTTP {status}).",
            "EntryNotFound" => $"{what}: file not found in the repository (HTTP {status}).",
            "GatedRepo" => $"{what}: the repository is gated (HTTP {status}): accept its terms on the hub, then set HF_TOKEN.",
            _ when status is 401 or 403 => $"{what}: access denied (HTTP {status}). {tokenHint}",
            _ when status == 404 => $"{what}: not found (HTTP 404).",
            _ => $"{what}: HTTP {status} {response.ReasonPhrase}",
        });
    }
}
