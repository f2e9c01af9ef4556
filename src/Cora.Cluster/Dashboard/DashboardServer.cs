using System.Net.ServerSentEvents;
using System.Security.Cryptography;
using System.Text;
using Cora.Actors.Monitoring;
using Cora.Cluster.Health;
using Cora.Cluster.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Cora.Cluster.Dashboard;

/// <summary>
/// A node's read-only web endpoint (ASP.NET Core minimal API on Kestrel): its health checks,
/// <c>/healthz</c> and <c>/readyz</c> (<see cref="HealthEndpoints"/>), and, where
/// <see cref="DashboardSettings.Dashboard"/> says so (by default on coordinator nodes):
/// <list type="bullet">
/// <item><c>/</c> — the dashboard page (members and their slots, sweeps with progress, running
/// trials with live loss, recent failures, schedules, reports), kept live by <c>/api/events</c>;</item>
/// <item><c>/api/state</c> — the current <see cref="DashboardState"/> as JSON;</item>
/// <item><c>/api/events</c> — server-sent events, one <c>state</c> event per change;</item>
/// <item><c>/metrics</c> — Prometheus text format (<see cref="CoraMetrics"/>, <see cref="DashboardMetrics"/>);</item>
/// <item><c>/reports/…</c> — the reports under the artifact store.</item>
/// </list>
/// Nothing here changes the cluster. Off loopback every request but the health checks' needs the
/// console token: an <c>Authorization: Bearer</c> header (Prometheus), or <c>?token=</c> once in a
/// browser, which becomes an HTTP-only cookie. The health checks are open (probes carry no
/// token) and say no more than which check failed and why, in a few words.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private const string TokenCookie = "cora_token";
    /// <summary>A live stream repeats the state this often when nothing changed, so proxies keep it open.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private readonly WebApplication _app;
    private readonly DashboardMetrics? _metrics;

    private DashboardServer(WebApplication app, DashboardMetrics? metrics, Uri address)
    {
        _app = app;
        _metrics = metrics;
        Address = address;
    }

    /// <summary>Where the page is, e.g. <c>http://127.0.0.1:8080/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Whether the endpoint serves the dashboard and /metrics (else the health checks only).</summary>
    public bool Dashboard => _metrics is not null;

    /// <summary>Starts the web endpoint of <paramref name="node"/> and, with the dashboard, the feed
    /// actor beside it.</summary>
    public static async Task<DashboardServer> StartAsync(ClusterNode node, DashboardSettings settings, HealthSettings health)
    {
        var logs = new AkkaLoggerProvider(node.System.Log);
        var checks = NodeHealth.For(node, health);
        if (!settings.Dashboard) return await StartAsync(settings, null, node.Artifacts, logs, checks).ConfigureAwait(false);
        var store = new DashboardStore(DashboardState.Empty(Akka.Cluster.Cluster.Get(node.System).SelfAddress.ToString()));
        var server = await StartAsync(settings, store, node.Artifacts, logs, checks).ConfigureAwait(false);
        node.System.ActorOf(DashboardFeed.Props(node.Coordinator, node.Scheduler, store, node.Artifacts, settings.Refresh), "dashboard-feed");
        return server;
    }

    /// <summary>The web endpoint alone: <paramref name="health"/>'s checks, and the dashboard
    /// serving whatever <paramref name="store"/> holds (none without a store).</summary>
    internal static async Task<DashboardServer> StartAsync(DashboardSettings settings, DashboardStore? store, string artifacts, ILoggerProvider logs,
        NodeHealth health)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Warning)
            // A failed check is logged once by NodeHealth, when it changes; not on every probe.
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        builder.WebHost.UseUrls($"http://{(settings.Hostname.Contains(':', StringComparison.Ordinal) ? $"[{settings.Hostname}]" : settings.Hostname)}:{settings.Port}");
        health.Register(builder.Services.AddHealthChecks(), logs.CreateLogger("Cora.Health"));
        if (store is not null)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(CoraMetrics.MeterName, DashboardMetrics.MeterName)
                .AddView(CoraMetrics.TrialDuration.Name, new ExplicitBucketHistogramConfiguration { Boundaries = CoraMetrics.TrialDurationBuckets })
                .AddView(CoraMetrics.JournalLag.Name, new ExplicitBucketHistogramConfiguration { Boundaries = CoraMetrics.JournalLagBuckets })
                .ConfigureResource(resource => resource.AddService("cora"))
                .AddPrometheusExporter());
        }
        var app = builder.Build();
        if (store is not null && !settings.Loopback) app.Use(RequireToken(settings.Token));
        app.MapNodeHealth();
        var metrics = store is null ? null : MapDashboard(app, store, artifacts);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            metrics?.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw new Training.InvalidInputException($"cora.http: cannot listen on {settings.Hostname}:{settings.Port}: {e.Message}");
        }
        return new DashboardServer(app, metrics, new Uri($"http://{(settings.Loopback ? "127.0.0.1" : settings.Hostname)}:{settings.Port}/"));
    }

    /// <summary>The page, its state and live feed, /metrics and the reports; the gauges /metrics reads.</summary>
    private static DashboardMetrics MapDashboard(WebApplication app, DashboardStore store, string artifacts)
    {
        app.UseOpenTelemetryPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/", () => Results.Content(Page.Value, "text/html; charset=utf-8"));
        app.MapGet("/api/state", () => Results.Content(store.Current.Json, "application/json"));
        app.MapGet("/api/events", (CancellationToken cancellation) => TypedResults.ServerSentEvents(Events(store, cancellation)));
        var reports = Path.Combine(artifacts, Reports.ReportWriter.StoreDirectory);
        app.MapGet("/reports/{**path}", (string path) => ReportFile(reports, path));
        return new DashboardMetrics(store);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _metrics?.Dispose();
    }

    private static async IAsyncEnumerable<SseItem<string>> Events(DashboardStore store,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        var seen = -1L;
        while (!cancellation.IsCancellationRequested)
        {
            (long Version, string Json) next;
            try
            {
                next = await store.NextAsync(seen, KeepAlive, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            seen = next.Version;
            yield return new SseItem<string>(next.Json, "state") { EventId = next.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
    }

    /// <summary>A file of a report, never outside the reports directory.</summary>
    private static IResult ReportFile(string reports, string path)
    {
        var root = Path.GetFullPath(reports) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, path));
        if (!full.StartsWith(root, StringComparison.Ordinal) || !File.Exists(full)) return Results.NotFound();
        if (!ContentTypes.TryGetContentType(full, out var type)) type = "application/octet-stream";
        return Results.File(full, type);
    }

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Off loopback: the token as a bearer header or cookie; <c>?token=</c> sets the cookie.</summary>
    private static Func<HttpContext, RequestDelegate, Task> RequireToken(string token)
    {
        var expected = Encoding.UTF8.GetBytes(token);
        bool Matches(string? given) => given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), expected);
        return async (context, next) =>
        {
            var request = context.Request;
            if (HealthEndpoints.IsOpen(request.Path))
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            var header = request.Headers.Authorization.ToString();
            if (header.StartsWith("Bearer ", StringComparison.Ordinal) && Matches(header["Bearer ".Length..]) || Matches(request.Cookies[TokenCookie]))
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            if (Matches(request.Query["token"].ToString()))
            {
                context.Response.Cookies.Append(TokenCookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
                context.Response.Redirect(request.PathBase + request.Path);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsync("the console token is required: open /?token=… or send Authorization: Bearer …\n").ConfigureAwait(false);
        };
    }

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(DashboardServer).Assembly.GetManifestResourceStream("Cora.Cluster.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is not embedded in the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
