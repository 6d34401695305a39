using System.Security.Cryptography;

namespace SmolLM3.Contracts.Errors;

/// <summary>
/// Names one unexpected failure: logged beside the exception where it happened, and all the client is told,
/// so a report can be matched to the log without the exception's text leaving the server.
/// </summary>
public static class ErrorId
{
    /// <summary>A new id: 8 lowercase hex digits.</summary>
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
}
