using Grpc.Core;
using SmolLM3.Contracts.Errors;
using SmolLM3.Gateway.Errors;

namespace SmolLM3.Cluster.Tests;

/// <summary>Which exceptions tell the client what went wrong: only the project's own error types.</summary>
public sealed class ApiErrorTests
{
    [Fact]
    public void A_dotnet_exception_is_internal_with_an_error_id_logged_beside_it_and_none_of_its_text()
    {
        Exception[] unexpected = [new ArgumentException("bad shape"), new InvalidOperationException("bad state"), new KeyNotFoundException("no key"), new NullReferenceException()];
        foreach (var e in unexpected)
        {
            var logs = new LogCapture();
            var error = ApiError.From(e, logs.CreateLogger("gateway"), "Test", CancellationToken.None);
            Assert.Equal((StatusCode.Internal, 500, "internal_error"), (error.Grpc, error.Http, error.Code));
            Assert.DoesNotContain(e.Message, error.Message);
            var id = ErrorIds.In(error.Message);
            var entry = Assert.Single(logs.Entries);
            Assert.Same(e, entry.Exception);
            Assert.Contains(id, entry.Message);
        }
    }

    [Fact]
    public void The_projects_error_types_keep_their_codes_and_messages()
    {
        var logs = new LogCapture();
        (StatusCode, int, string, string) Of(Exception e)
        {
            var error = ApiError.From(e, logs.CreateLogger("gateway"), "Test", CancellationToken.None);
            return (error.Grpc, error.Http, error.Code, error.Message);
        }

        Assert.Equal((StatusCode.InvalidArgument, 400, "invalid_argument", "n must be 1"), Of(new InvalidRequestException("n must be 1")));
        Assert.Equal((StatusCode.NotFound, 404, "not_found", "session 's' not found"), Of(new SessionNotFoundException("s")));
        Assert.Equal((StatusCode.FailedPrecondition, 409, "failed_precondition", "busy"), Of(new SessionBusyException("busy")));
        Assert.Equal((StatusCode.InvalidArgument, 404, "model_not_found", new ModelNotServedException("m").Message), Of(new ModelNotServedException("m")));
        // The silo logged a failed turn already: the gateway passes its id on and logs nothing.
        Assert.Equal((StatusCode.Internal, 500, "internal_error", "internal error (error id 0badf00d)"), Of(new TurnFailedException("0badf00d")));
        // a stream whose activation ended: its next read found one that never heard of it
        Assert.Equal(StatusCode.Unavailable, ApiError.From(new Orleans.Runtime.EnumerationAbortedException("aborted"), logs.CreateLogger("gateway"), "Test", CancellationToken.None).Grpc);
        Assert.Empty(logs.Entries);
    }

    [Fact]
    public void A_turn_refused_by_its_silos_queue_timeout_is_rate_limited_with_a_retry_after()
    {
        var error = ApiError.From(new QueueTimeoutException(TimeSpan.FromMinutes(2)), new LogCapture().CreateLogger("gateway"), "Test", CancellationToken.None);
        Assert.Equal((StatusCode.ResourceExhausted, 429, "rate_limit_error", "rate_limit_exceeded"), (error.Grpc, error.Http, error.Type, error.Code));
        Assert.Equal(1, error.RetryAfterSeconds);
        Assert.Equal("1", error.ToRpcException().Trailers.GetValue("retry-after"));
    }

    [Fact]
    public void A_cancellation_is_cancelled_only_when_the_client_cancelled_and_otherwise_a_retryable_unavailable()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var logs = new LogCapture();
        var byClient = ApiError.From(new OperationCanceledException(cancelled.Token), logs.CreateLogger("gateway"), "Test", cancelled.Token);
        Assert.Equal((StatusCode.Cancelled, 499, "cancelled"), (byClient.Grpc, byClient.Http, byClient.Code));
        Assert.Empty(logs.Entries);

        // e.g. Orleans reporting a stream the silo ended as cancelled while the client still reads
        Exception[] byCluster = [new OperationCanceledException(), new TaskCanceledException("the silo is shutting down")];
        foreach (var e in byCluster)
        {
            logs = new LogCapture();
            var error = ApiError.From(e, logs.CreateLogger("gateway"), "Test", CancellationToken.None);
            Assert.Equal((StatusCode.Unavailable, 503, "silo_unavailable"), (error.Grpc, error.Http, error.Code));
            Assert.Contains("retry the call", error.Message);
            Assert.Same(e, Assert.Single(logs.Entries).Exception);   // its stack says what stopped it
        }
    }
}
