using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Akka.Configuration;
using Cora.Actors.Coordinator;
using Cora.Cluster.Dashboard;
using Cora.Cluster.Health;
using Cora.Cluster.Tests.MultiNode;
using Cora.Training;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cora.Cluster.Tests.Dashboard;

/// <summary>The web endpoint in-process over real HTTP, serving a hand-made state: routes, the
/// live stream, /metrics, reports, and the token off loopback. The page itself is checked in
/// Chromium against a real node by <see cref="DashboardBrowserTests"/>.</summary>
public sealed class DashboardServerTests : IDisposable
{
    private const string Token = "dash-token-19c";
    private readonly TempDirectory _artifacts = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        _artifacts.Dispose();
    }

    private static DashboardState State(int succeeded, string node = "akka.tcp://cora@10.0.0.5:4053") => DashboardState.Empty(node) with
    {
        Coordinator = "ok",
        Members = [new MemberView(node, ["trainer"], "up", true, [new TrainerSlot(node, 0, true), new TrainerSlot(node, 1, false),
            new TrainerSlot(node, 2, false, "3 node faults in a row; the last: /zoo/base: no such directory on this node")])],
        Trials = new SweepCounts(6, 6 - succeeded - 1, 1, succeeded, 0),
        Sweeps = [new SweepSummary("0f1b", "smoke", "running", new SweepCounts(6, 6 - succeeded - 1, 1, succeeded, 0))],
        Running = [new RunningTrial("687a", "lora", 4, 1, node, 0, "training", 3, 12, 2.5, 812.5)],
    };

    private Task<DashboardServer> Serve(DashboardStore? store, string hostname = "127.0.0.1", NodeHealth? health = null) =>
        DashboardServer.StartAsync(new DashboardSettings(NodeProcess.FreePort(), hostname, TimeSpan.FromSeconds(1), Token, Dashboard: store is not null), store,
            _artifacts.Path, NullLoggerProvider.Instance, health ?? Checks());

    /// <summary>Hand-made checks, as the state above is hand-made (a real node's are exercised by
    /// NodeHealthTests): alive, one ready check that passes and one that fails with
    /// <paramref name="reason"/>. Results are kept for an hour, so every request in a test after
    /// the first gets the first run's result.</summary>
    private static NodeHealth Checks(string? reason = "cannot connect (ConnectionRefused)", Action? ran = null) => new(
    [
        new("actor-system", NodeHealth.Live, () => Task.FromResult(HealthCheckResult.Healthy())),
        new("member", NodeHealth.Ready, () => Task.FromResult(HealthCheckResult.Healthy())),
        new("journal", NodeHealth.Ready, async () =>
        {
            ran?.Invoke();
            await Task.Yield();
            return reason is null ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(reason, new InvalidOperationException("Host=db.internal;Password=secret"));
        }),
    ], TimeSpan.FromHours(1));

    [Fact]
    public async Task The_page_the_state_and_the_metrics_come_from_the_latest_state()
    {
        var store = new DashboardStore(State(2));
        await using var server = await Serve(store);

        var page = await _http.GetStringAsync(server.Address);
        Assert.Contains("<title>Cora</title>", page, StringComparison.Ordinal);
        Assert.Contains("new EventSource(\"api/events\")", page, StringComparison.Ordinal);
        var state = JsonDocument.Parse(await _http.GetStringAsync(new Uri(server.Address, "api/state"))).RootElement;
        Assert.Equal(2, state.GetProperty("trials").GetProperty("succeeded").GetInt32());
        Assert.Equal(2.5, state.GetProperty("running")[0].GetProperty("loss").GetDouble());

        store.Publish(State(4));
        var metrics = await _http.GetStringAsync(new Uri(server.Address, "metrics"));
        const string node = "akka.tcp://cora@10.0.0.5:4053";
        Assert.Equal(4, PrometheusText.Sample(metrics, "cora_trials", ("state", "succeeded")));
        Assert.Equal(1, PrometheusText.Sample(metrics, "cora_trainer_slots_busy", ("node", node)));
        Assert.Equal(3, PrometheusText.Sample(metrics, "cora_trainer_slots", ("node", node)));
        Assert.Equal(1, PrometheusText.Sample(metrics, "cora_trainer_quarantined", ("node", node), ("slot", "2"),
            ("reason", "3 node faults in a row; the last: /zoo/base: no such directory on this node")));
        Assert.Equal(812.5, PrometheusText.Sample(metrics, "cora_training_tokens_per_second", ("node", node)));
        Assert.Equal(1, PrometheusText.Sample(metrics, "cora_cluster_members", ("status", "up")));
        Assert.Equal(1, PrometheusText.Sample(metrics, "cora_sweeps", ("state", "running")));
    }

    [Fact]
    public async Task The_event_stream_sends_the_state_at_once_and_then_each_change_but_not_a_mere_refresh()
    {
        var store = new DashboardStore(State(1));
        await using var server = await Serve(store);
        using var response = await _http.GetAsync(new Uri(server.Address, "api/events"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await NextEvent(reader);
        Assert.Equal(1, first.GetProperty("trials").GetProperty("succeeded").GetInt32());
        store.Publish(State(1) with { Updated = DateTimeOffset.UtcNow.AddSeconds(5) });   // only the time moved
        store.Publish(State(3));
        var second = await NextEvent(reader);
        Assert.Equal(3, second.GetProperty("trials").GetProperty("succeeded").GetInt32());
    }

    private static async Task<JsonElement> NextEvent(StreamReader reader)
    {
        string? type = null;
        while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line["event: ".Length..];
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                Assert.Equal("state", type);
                return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }
        throw new Xunit.Sdk.XunitException("the event stream ended");
    }

    [Fact]
    public async Task Reports_under_the_artifact_store_are_served_and_nothing_outside_it()
    {
        var report = Path.Combine(_artifacts.Path, Cora.Cluster.Reports.ReportWriter.StoreDirectory, "0f1b");
        Directory.CreateDirectory(report);
        await File.WriteAllTextAsync(Path.Combine(report, "index.html"), "<h1>report 0f1b</h1>");
        await File.WriteAllTextAsync(Path.Combine(_artifacts.Path, "secret.txt"), "not for the web");
        await using var server = await Serve(new DashboardStore(State(0)));

        Assert.Equal("<h1>report 0f1b</h1>", await _http.GetStringAsync(new Uri(server.Address, "reports/0f1b/index.html")));
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(new Uri(server.Address, "reports/..%2Fsecret.txt"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(new Uri(server.Address, "reports/0f1b/missing.png"))).StatusCode);
        var link = Assert.Single(DashboardFeed.Reports(_artifacts.Path));
        Assert.Equal(("0f1b", "/reports/0f1b/index.html"), (link.Name, link.Href));
    }

    [Fact]
    public async Task Off_loopback_every_request_needs_the_token_as_a_bearer_header_or_a_cookie_set_from_the_link()
    {
        await using var server = await Serve(new DashboardStore(State(0)), hostname: "0.0.0.0");
        var local = new UriBuilder(server.Address) { Host = "127.0.0.1" }.Uri;

        foreach (var path in new[] { "", "api/state", "api/events", "metrics", "reports/x/index.html" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await _http.GetAsync(new Uri(local, path))).StatusCode);
        // Probes carry no token: the health checks answer without one.
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(local, "healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync(new Uri(local, "readyz"))).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(local, "metrics"));
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guess");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(wrong)).StatusCode);

        using var bearer = new HttpRequestMessage(HttpMethod.Get, new Uri(local, "metrics"));
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Contains("cora_trials", await (await _http.SendAsync(bearer)).Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A browser: the link with ?token= sets a cookie and redirects to the page without it.
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() });
        var page = await browser.GetAsync(new Uri(local, $"?token={Token}"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(local.AbsolutePath, page.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Empty(page.RequestMessage.RequestUri.Query);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri(local, "api/state"))).StatusCode);
    }

    [Fact]
    public async Task Readyz_names_each_check_ok_or_failed_with_its_short_reason_and_healthz_asks_only_the_live_ones()
    {
        var runs = 0;
        await using var server = await Serve(new DashboardStore(State(0)), health: Checks(ran: () => Interlocked.Increment(ref runs)));

        var live = await _http.GetAsync(new Uri(server.Address, "healthz"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var alive = JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ok", alive.GetProperty("status").GetString());
        Assert.Equal(["actor-system"], alive.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        // A storm of probes: every one gets the same answer, from one run of the check.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _http.GetAsync(new Uri(server.Address, "readyz"))));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.StatusCode));
        Assert.True(answers[0].Headers.CacheControl?.NoStore, "a cache between probe and node must not answer for the node");
        var body = await answers[0].Content.ReadAsStringAsync();
        var ready = JsonDocument.Parse(body).RootElement;
        Assert.Equal("failed", ready.GetProperty("status").GetString());
        var checks = ready.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(["member ok", "journal failed"], checks.Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("status").GetString()}"));
        Assert.False(checks[0].TryGetProperty("reason", out _));
        Assert.Equal("cannot connect (ConnectionRefused)", checks[1].GetProperty("reason").GetString());
        // Only the short reason: nothing of the exception (its message may name hosts and secrets).
        Assert.DoesNotContain("db.internal", body, StringComparison.Ordinal);
        Assert.Equal(1, runs);

        await using var passing = await Serve(new DashboardStore(State(0)), health: Checks(reason: null));
        var ok = await _http.GetAsync(new Uri(passing.Address, "readyz"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_the_dashboard_the_endpoint_serves_the_health_checks_only_and_asks_no_token()
    {
        await using var server = await Serve(store: null, hostname: "0.0.0.0");
        Assert.False(server.Dashboard);
        var local = new UriBuilder(server.Address) { Host = "127.0.0.1" }.Uri;
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(local, "healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync(new Uri(local, "readyz"))).StatusCode);
        foreach (var path in new[] { "", "api/state", "metrics" })
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(new Uri(local, path))).StatusCode);
    }

    [Fact]
    public void Settings_refuse_a_dashboard_bound_off_loopback_without_a_token_and_name_the_key()
    {
        Config Hocon(string text) => ConfigurationFactory.ParseString(text).WithFallback(Cora.Actors.CoraConfig.Reference);
        const string coordinator = "akka.cluster.roles = [coordinator]\n";

        var defaults = DashboardSettings.Create(Hocon(coordinator));
        Assert.Equal((0, "127.0.0.1", TimeSpan.FromSeconds(1), true, true), (defaults.Port, defaults.Hostname, defaults.Refresh, defaults.Loopback, defaults.Dashboard));
        var open = Assert.Throws<InvalidInputException>(() => DashboardSettings.Create(Hocon(coordinator + "cora.http { port = 8080, hostname = \"0.0.0.0\" }")));
        Assert.Contains("cora.http.hostname", open.Message, StringComparison.Ordinal);
        Assert.Contains("CORA_TOKEN", open.Message, StringComparison.Ordinal);
        Assert.False(DashboardSettings.Create(Hocon(coordinator + "cora.http { port = 8080, hostname = \"0.0.0.0\" }\ncora.console.token = x")).Loopback);
        Assert.True(DashboardSettings.Create(Hocon(coordinator + "cora.http { port = 8080, hostname = \"::1\" }")).Loopback);
        Assert.Contains("cora.http.port", Assert.Throws<InvalidInputException>(() => DashboardSettings.Create(Hocon("cora.http.port = 70000"))).Message,
            StringComparison.Ordinal);

        // auto: the dashboard on coordinator nodes only; a trainer serves its health checks, which
        // need no token off loopback.
        var trainer = DashboardSettings.Create(Hocon("akka.cluster.roles = [trainer]\ncora.http { port = 8080, hostname = \"0.0.0.0\" }"));
        Assert.False(trainer.Dashboard);
        Assert.True(DashboardSettings.Create(Hocon("akka.cluster.roles = [trainer]\ncora.http.dashboard = on")).Dashboard);
        Assert.False(DashboardSettings.Create(Hocon(coordinator + "cora.http.dashboard = off")).Dashboard);
        Assert.Contains("cora.http.dashboard", Assert.Throws<InvalidInputException>(() => DashboardSettings.Create(Hocon("cora.http.dashboard = sometimes"))).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Health_settings_default_to_reference_conf_and_name_a_bad_key()
    {
        Config Hocon(string text) => ConfigurationFactory.ParseString(text).WithFallback(Cora.Actors.CoraConfig.Reference);
        Assert.Equal(new HealthSettings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)), HealthSettings.Create(Hocon("")));
        Assert.Contains("cora.health.journal-timeout", Assert.Throws<InvalidInputException>(() => HealthSettings.Create(Hocon("cora.health.journal-timeout = 0s"))).Message,
            StringComparison.Ordinal);
    }
}
