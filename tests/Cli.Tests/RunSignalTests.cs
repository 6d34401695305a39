using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SmolLM3.Cli.Tests;

/// <summary>
/// A real <c>smollm3 run</c> process, as a supervisor stops it: on SIGTERM or Ctrl+C (SIGINT) it stops listening,
/// lets the running stream finish, and exits 0.
/// </summary>
[Collection(RunCommandTests.Collection)]
public sealed class RunSignalTests
{
    const string Key = "signal-key";
    const int LongReply = 1500;

    [SkippableTheory]
    [InlineData(15)]   // SIGTERM
    [InlineData(2)]    // SIGINT
    public async Task ASignalDrainsTheRunningStreamAndExitsZero(int signal)
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        using var data = new TempFolder();
        using var run = ServerProcess.Start("Cli", "smollm3",
            ["run", "--model", model, "--grpc-port", "0", "--http-port", "0", "--api-key", Key, "--data-dir", data.Path],
            new Dictionary<string, string> { ["DOTNET_shutdownTimeoutSeconds"] = "60" }, defaultInterrupt: true);
        var ready = await run.WaitForOutputAsync(new Regex(@"ready: gRPC on \S+, OpenAI API on (http://127\.0\.0\.1:(\d+))/v1"));
        using var http = new HttpClient { BaseAddress = new Uri(ready.Groups[1].Value), Timeout = TimeSpan.FromMinutes(2) };
        using var response = await http.SendAsync(LongStream(), HttpCompletionOption.ResponseHeadersRead);
        var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await events.ReadLineAsync());   // the first chunk: the turn runs

        run.Signal(signal);
        var rest = events.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await ListensAsync(int.Parse(ready.Groups[2].Value)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"still listening 60 s after signal {signal}:\n{run.Output}");
            await Task.Delay(20);
        }
        bool streamRanDuringDrain = !rest.IsCompleted;
        var chunks = (await rest).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        await run.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.True(streamRanDuringDrain, "the stream ended before the drain began: the test proved nothing");
        Assert.Equal("data: [DONE]", chunks[^1]);
        var usage = JsonNode.Parse(chunks[^2]["data: ".Length..])!["usage"]!;
        Assert.Equal(LongReply, (int)usage["completion_tokens"]!);
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}:\n{run.Output}");
    }

    static HttpRequestMessage LongStream() => new(HttpMethod.Post, "/v1/chat/completions")
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Key) },
        Content = new StringContent(JsonSerializer.Serialize(new
        {
            messages = new[] { new { role = "user", content = "Tell me everything" } },
            temperature = 0,
            max_tokens = LongReply,
            stream = true,
            stream_options = new { include_usage = true },
        }), Encoding.UTF8, "application/json"),
    };

    /// <summary>Whether the port still accepts connections (Kestrel stops listening as the drain begins).</summary>
    static async Task<bool> ListensAsync(int port)
    {
        using var probe = new TcpClient();
        try { await probe.ConnectAsync("127.0.0.1", port); return true; }
        catch (SocketException) { return false; }
    }
}
