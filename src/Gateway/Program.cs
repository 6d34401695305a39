using SmolLM3.Gateway.Hosting;

// A stand-alone gateway: the Orleans client from SmolLM3:Cluster, keys and models from SmolLM3 (env: SmolLM3__Cluster__Redis, …).
var builder = WebApplication.CreateBuilder(args);
builder.AddSmolLMClusterClient();
builder.AddSmolLMGateway();
builder.ListenOnAllInterfaces(builder.Configuration.GetValue("SmolLM3:GrpcPort", 5080));
var app = builder.Build();
app.MapSmolLMGateway();
app.Run();
