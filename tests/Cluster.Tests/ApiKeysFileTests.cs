using System.Net;
using Grpc.Core;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>Keys in the mounted keys file (SmolLM3:ApiKeysFile) are picked up and dropped without a restart.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ApiKeysFileTests(ClusterFixture cluster)
{
    const string FileKey = "key-from-file";

    /// <summary>Replaces the file the way a secret mount does: a complete new file moved into place.</summary>
    void WriteKeys(string json)
    {
        var temp = cluster.KeysFile + ".new";
        File.WriteAllText(temp, json);
        File.Move(temp, cluster.KeysFile, overwrite: true);
    }

    async Task<StatusCode> ListModelsStatusAsync()
    {
        try
        {
            await cluster.Client.ListModelsAsync(new ListModelsRequest(), Auth(FileKey));
            return StatusCode.OK;
        }
        catch (RpcException e) { return e.StatusCode; }
    }

    async Task<StatusCode> EventuallyAsync(StatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        StatusCode status;
        while ((status = await ListModelsStatusAsync()) != expected && DateTime.UtcNow < deadline) await Task.Delay(100);
        return status;
    }

    [SkippableFact]
    public async Task A_key_added_to_the_file_works_without_a_restart_and_a_removed_one_stops()
    {
        await cluster.StartAsync();
        Assert.Equal(StatusCode.Unauthenticated, await ListModelsStatusAsync());

        WriteKeys($$"""{"{{FileKey}}": "tenant-file"}""");
        Assert.Equal(StatusCode.OK, await EventuallyAsync(StatusCode.OK));
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { { "authorization", $"Bearer {FileKey}" } } };
        using (var response = await cluster.Http.SendAsync(request)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        WriteKeys("{not json");   // a broken file keeps the keys read before
        await Task.Delay(400);
        Assert.Equal(StatusCode.OK, await ListModelsStatusAsync());

        WriteKeys("{}");
        Assert.Equal(StatusCode.Unauthenticated, await EventuallyAsync(StatusCode.Unauthenticated));
    }
}
