using Orleans.Serialization;
using Orleans.Storage;

namespace SmolLM3.Silo.Storage;

/// <summary>
/// Grain state as one file per grain under a folder, written with Orleans' own serializer: the embedded
/// default, so sessions survive a restart without a database. Writes go to a temporary file that is
/// renamed over the old one, so a crash mid-write leaves the previous state intact. The ETag is a
/// version number kept in the file, checked on every write.
/// </summary>
public sealed class FolderGrainStorage(string folder, Serializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathFor(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.RecordExists = false;
            grainState.ETag = null;
            return;
        }
        var (version, state) = serializer.Deserialize<(long, T)>(await File.ReadAllBytesAsync(path));
        grainState.State = state;
        grainState.ETag = version.ToString();
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathFor(stateName, grainId);
        long stored = await StoredVersionAsync<T>(path);
        if ((stored == 0 ? null : stored.ToString()) != grainState.ETag)
            throw new InconsistentStateException($"{path}: stored version {stored}, the grain holds {grainState.ETag ?? "none"}", stored.ToString(), grainState.ETag);
        long next = stored + 1;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, serializer.SerializeToArray((next, grainState.State)));
        File.Move(temp, path, overwrite: true);
        grainState.ETag = next.ToString();
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        File.Delete(PathFor(stateName, grainId));
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    async Task<long> StoredVersionAsync<T>(string path) =>
        File.Exists(path) ? serializer.Deserialize<(long, T)>(await File.ReadAllBytesAsync(path)).Item1 : 0;

    // Grain ids hold '/' (tenant/session): escape them into one safe file name.
    string PathFor(string stateName, GrainId grainId) =>
        Path.Combine(folder, Uri.EscapeDataString(stateName), Uri.EscapeDataString(grainId.ToString()) + ".state");
}
