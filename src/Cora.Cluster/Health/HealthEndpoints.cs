using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cora.Cluster.Health;

/// <summary>
/// <c>/healthz</c> and <c>/readyz</c> on the node's web endpoint: 200 when every check of the
/// kind passes, else 503, with a JSON body naming each check, ok or failed, and for a failed one
/// its short reason — <c>{"status":"failed","checks":[{"name":"journal","status":"failed","reason":"…"}]}</c>.
/// Nothing else is in it: probes cannot carry the console token, so these two paths are open to
/// whoever reaches the endpoint (the web endpoint's token check lets them through).
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/healthz";
    public const string ReadyPath = "/readyz";

    /// <summary>The paths that need no token.</summary>
    public static bool IsOpen(PathString path) => path == LivePath || path == ReadyPath;

    internal static void MapNodeHealth(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, Options(NodeHealth.Live));
        app.MapHealthChecks(ReadyPath, Options(NodeHealth.Ready));
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = registration => registration.Tags.Contains(tag),
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
        ResponseWriter = WriteAsync,
    };

    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", Word(report.Status));
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", Word(entry.Status));
            if (entry.Status != HealthStatus.Healthy) json.WriteString("reason", entry.Description ?? "failed");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static string Word(HealthStatus status) => status == HealthStatus.Healthy ? "ok" : "failed";
}
