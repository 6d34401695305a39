namespace SmolLM3.Gateway.Errors;

/// <summary>A request body over <see cref="GatewayOptions.MaxRequestBytes"/>: it was not read (413).</summary>
public sealed class RequestTooLargeException(long limit)
    : Exception($"the request body is larger than the {limit} bytes this server accepts");
