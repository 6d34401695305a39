using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace SmolLM3.Cli.Tests;

/// <summary><c>smollm3 run</c>: the ready line names both endpoints, and the HTTP one answers with the printed key and serves the context the flags set.</summary>
[Collection(Collection)]
public class RunCommandTests
{
    /// <summary>Tests that run the cluster, one at a time: each loads a model and starts a silo, which two cores feel.</summary>
    public const string Collection = "smollm3 run";

    [SkippableFact]
    public async Task RunPrintsTheGrpcAndHttpAddressesAndServesTheOpenAiApi()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        using var data = new TempFolder();
        var stdout = new StringWriter();
        var output = TextWriter.Synchronized(stdout);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var run = Cli.RunAsync(["run", "--model", model, "--grpc-port", "0", "--http-port", "0", "--api-key", "run-test-key", "--data-dir", data.Path,
                "--rope-scaling", "yarn", "--rope-scale", "2", "--context-length", "100000"],
            output, TextWriter.Null, stop.Token);

        Match ready;
        while (!(ready = Regex.Match(stdout.ToString(), @"ready: gRPC on (http://127\.0\.0\.1:\d+), OpenAI API on (http://127\.0\.0\.1:\d+)/v1")).Success)
        {
            Assert.False(run.IsCompleted, $"run ended early: {stdout}");
            await Task.Delay(100, stop.Token);
        }
        Assert.Contains("api key: run-test-key", stdout.ToString());
        Assert.NotEqual(ready.Groups[1].Value, ready.Groups[2].Value);

        using var http = new HttpClient { BaseAddress = new Uri(ready.Groups[2].Value) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "run-test-key") } };
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var models = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"object\":\"list\"", models);
        Assert.Contains("\"context_length\":100000", models);   // the flags reached the embedded silo

        stop.Cancel();
        Assert.Equal(0, await run);
    }

    [Fact]
    public async Task APortOutOfRangeIsAUsageError()
    {
        var run = await CliRun.Of("run", "--model", "m", "--http-port", "70000");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--http-port must be in 0..65535", run.Stderr);
    }
}
