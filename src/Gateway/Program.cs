// gRPC front door. The chat service arrives with the cluster work.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddGrpc();
var app = builder.Build();
app.MapGet("/", () => "SmolLM3.Cluster gateway");
app.Run();
