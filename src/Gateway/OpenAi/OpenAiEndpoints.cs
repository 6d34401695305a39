using SmolLM3.Gateway.Errors;
using SmolLM3.Gateway.Models;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>The OpenAI-compatible HTTP API: <c>POST /v1/chat/completions</c>, <c>POST /v1/completions</c>, <c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>.</summary>
public static class OpenAiEndpoints
{
    public static IEndpointRouteBuilder MapOpenAi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter<OpenAiAuth>();
        v1.MapPost("/chat/completions", (HttpContext http, ChatCompletionsEndpoint endpoint) => endpoint.HandleAsync(http));
        v1.MapPost("/completions", (HttpContext http, CompletionsEndpoint endpoint) => endpoint.HandleAsync(http));
        v1.MapGet("/models", async (ModelCatalog models, CancellationToken ct) =>
            Results.Json(new ModelList([.. (await models.ServedAsync(ct)).Select(m => new ModelCard(m.Id, m.ContextLength))]), OpenAiJson.Default.ModelList));
        v1.MapGet("/models/{id}", async (string id, HttpContext http, ModelCatalog models) =>
        {
            var served = (await models.ServedAsync(http.RequestAborted)).FirstOrDefault(m => m.Id == id);
            if (served is null)
            {
                await OpenAiErrors.WriteAsync(http, ApiError.ModelNotFound(id));
                return Results.Empty;
            }
            return Results.Json(new ModelCard(served.Id, served.ContextLength), OpenAiJson.Default.ModelCard);
        });
        return app;
    }
}
