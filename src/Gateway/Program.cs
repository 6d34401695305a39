using SmolLM3.Gateway.Hosting;

// A stand-alone gateway in front of a localhost cluster; keys and models come from configuration (SmolLM3:…).
var builder = WebApplication.CreateBuilder(args);
builder.UseOrleansClient(client => client.UseLocalhostClustering());
builder.AddSmolLMGateway();
var app = builder.Build();
app.MapSmolLMGateway();
app.Run();
