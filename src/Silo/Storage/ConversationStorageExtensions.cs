using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace SmolLM3.Silo.Storage;

/// <summary>Registers the "conversations" grain storage the configured provider names.</summary>
public static class ConversationStorageExtensions
{
    /// <summary>Grain storage holding conversation transcripts (part of every stored key: fixed).</summary>
    public const string StorageName = "conversations";

    public static ISiloBuilder AddConversationStorage(this ISiloBuilder silo, SmolLMStorageOptions storage)
    {
        const string name = StorageName;
        switch (storage.Validate().Provider)
        {
            case "memory":
                silo.AddMemoryGrainStorage(name);
                break;
            case "folder":
                var folder = Path.Combine(storage.Folder!, name);
                silo.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new FolderGrainStorage(folder, sp.GetRequiredService<Serializer>()));
                break;
            case "redis":
                silo.AddRedisGrainStorage(name, o => o.ConfigurationOptions = ConfigurationOptions.Parse(storage.ConnectionString!));
                break;
            case "postgres":
                // Orleans' ADO.NET provider; the database needs its PostgreSQL-Main.sql and PostgreSQL-Persistence.sql schema.
                silo.AddAdoNetGrainStorage(name, o => (o.Invariant, o.ConnectionString) = ("Npgsql", storage.ConnectionString!));
                break;
        }
        return silo;
    }
}
