namespace SmolLM3.Gateway.Errors;

/// <summary>The client read nothing of its stream for <see cref="GatewayOptions.StalledReaderTimeout"/> while the reply waited: the call was ended.</summary>
public sealed class StalledReaderException(TimeSpan timeout)
    : Exception($"the client read none of the stream for {timeout.TotalSeconds:0.#} s while the reply waited; the call was ended to free its stream slot and KV cache");
