using Microsoft.Extensions.Hosting;

// Orleans silo host. Grains arrive with the cluster work; for now it joins a localhost cluster.
var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.UseLocalhostClustering());
await builder.Build().RunAsync();
