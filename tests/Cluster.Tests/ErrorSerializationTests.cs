using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Cluster.Tests;

/// <summary>The typed errors a grain throws must reach the gateway intact (type and numbers), or the status mapping fails.</summary>
public sealed class ErrorSerializationTests
{
    static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    static T RoundTrip<T>(T e) where T : Exception =>
        Assert.IsType<T>(Serializer.Deserialize<Exception>(Serializer.SerializeToArray<Exception>(e)));

    [Fact]
    public void Context_length_error_keeps_its_numbers()
    {
        var copy = RoundTrip(new ContextLengthExceededException(9000, 512, 8192));
        Assert.Equal((9000, 512, 8192), (copy.PromptTokens, copy.MaxTokens, copy.ContextLength));
        Assert.Contains("9000", copy.Message);
    }

    [Fact]
    public void Kv_capacity_error_keeps_its_numbers()
    {
        var copy = RoundTrip(new KvCapacityExceededException(70000, 65536, 1L << 33, 1L << 32));
        Assert.Equal((70000, 65536, 1L << 33, 1L << 32), (copy.NeededTokens, copy.PoolTokens, copy.NeededBytes, copy.PoolBytes));
    }

    [Fact]
    public void Queue_timeout_error_keeps_its_timeout()
    {
        var copy = RoundTrip(new QueueTimeoutException(TimeSpan.FromSeconds(90)));
        Assert.Equal(TimeSpan.FromSeconds(90), copy.Timeout);
        Assert.Contains("waited 90 s in its silo's queue", copy.Message);
    }

    [Fact]
    public void Model_unavailable_error_keeps_the_model()
    {
        var copy = RoundTrip(new ModelUnavailableException("smol", "no silo has joined"));
        Assert.Equal("smol", copy.Model);
        Assert.Contains("no silo has joined", copy.Message);
    }

    [Fact]
    public void Session_not_found_error_keeps_the_session_id()
    {
        var copy = RoundTrip(new SessionNotFoundException("abc"));
        Assert.Equal("abc", copy.SessionId);
        Assert.Equal("session 'abc' not found", copy.Message);
    }

    [Fact]
    public void Model_not_served_error_keeps_the_model()
    {
        var copy = RoundTrip(new ModelNotServedException("nope"));
        Assert.Equal("nope", copy.Model);
        Assert.Contains("model 'nope' is not served", copy.Message);
    }

    [Fact]
    public void Turn_failed_error_keeps_only_its_error_id()
    {
        var copy = RoundTrip(new TurnFailedException("0badf00d"));
        Assert.Equal("0badf00d", copy.ErrorId);
        Assert.Equal("the turn failed on its silo (error id 0badf00d)", copy.Message);
    }

    [Fact]
    public void Invalid_request_and_session_busy_errors_keep_their_message()
    {
        Assert.Equal("messages must not be empty", RoundTrip(new InvalidRequestException("messages must not be empty")).Message);
        Assert.Equal("the session is already generating a reply", RoundTrip(new SessionBusyException("the session is already generating a reply")).Message);
    }
}
