using System.Text.Json;
using Cora.Cluster.Tests.MultiNode;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace Cora.Cluster.Tests.Dashboard;

/// <summary>
/// The dashboard of a real node (coordinator + trainer, SQLite journal) in Debian's headless
/// Chromium, driven over the DevTools protocol: it shows the member and its slot, then — with no
/// reload — a schedule added and a sweep submitted from the console, its running trial with a
/// live loss, the sweep completing, and a report written from the console, linked and opened;
/// /metrics agrees. Screenshots go to CORA_TEST_OUTPUT (test.sh: .cora/test-results).
/// </summary>
[Collection(MicroZooGroup.Name)]
public sealed class DashboardBrowserTests : IDisposable
{
    private const string Token = "browser-token-4e1";
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);
    private readonly MicroZoo _zoo;
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _temp = new();

    public DashboardBrowserTests(MicroZoo zoo, ITestOutputHelper output)
    {
        _zoo = zoo;
        _output = output;
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>Where screenshots are kept after the run.</summary>
    private static string OutputDirectory()
    {
        var directory = Environment.GetEnvironmentVariable("CORA_TEST_OUTPUT") is { Length: > 0 } given ? given : Path.Combine(Path.GetTempPath(), "cora-test-output");
        Directory.CreateDirectory(directory);
        return directory;
    }

    [Fact]
    public async Task The_page_follows_a_sweep_live_from_submission_to_completion()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: test.sh installs Debian's chromium package");
        var artifacts = _temp.File("artifacts");
        Directory.CreateDirectory(artifacts);
        // Two trials (LoRA and CoRA-FB from 2 sources) of the smoke grid: enough to see one run.
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var text = File.ReadAllText(grid);
        File.WriteAllText(grid, text
            .Replace("methods = [lora, cora-fb, cora-tb, zeros-fb]", "methods = [lora, cora-fb]", StringComparison.Ordinal)
            .Replace("counts = [2, 5]", "counts = [2]", StringComparison.Ordinal));
        var httpPort = NodeProcess.FreePort();
        using var node = NodeProcess.StartNode(Path.Combine(Fixtures.Repository, "hocon", "node.conf"), Token,
            "--role", "coordinator", "--role", "trainer", "--single-node", "--db", _temp.File("cora.db"), "--artifacts", artifacts, "--slots", "1",
            "--http-port", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await node.WaitUpAsync();
        var address = new Uri($"http://127.0.0.1:{httpPort}/");

        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            UserDataDir = _temp.File("chromium-profile"),
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 1100 },
            // As root in a sandbox-less container, on a machine with no internet: no background traffic.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        await using var page = await browser.NewPageAsync();
        await page.GoToAsync(address.ToString());
        // A marker that a reload would wipe: every later check runs on this same page load.
        await page.EvaluateExpressionAsync("window.__coraPage = 'first load'");

        await WaitFor(page, $"""
            () => [...document.querySelectorAll('[data-testid=members] tbody tr')].some(r =>
                r.textContent.includes('{node.Address}') && r.textContent.includes('up') && r.textContent.includes('slot 0: idle'))
              && document.querySelector('[data-testid=live]').textContent === 'live'
            """, node);

        var added = await NodeProcess.RunAsync(Token, "schedule", "add", "nightly", "--cron", "0 2 * * *", "--tz", "Europe/Paris", grid,
            "--contact", node.Contact, "--insecure");
        Assert.True(added.ExitCode == 0, $"schedule add exited {added.ExitCode}: {added.Stderr}");
        await WaitFor(page, """
            () => [...document.querySelectorAll('[data-testid=schedules] tbody tr')].some(r =>
                r.textContent.includes('nightly') && r.textContent.includes('0 2 * * * (Europe/Paris)'))
            """, node);

        var (code, stdout, stderr) = await NodeProcess.RunAsync(Token, "sweep", "start", grid, "--contact", node.Contact, "--insecure", "--json");
        Assert.True(code == 0, $"sweep start exited {code}: {stderr}");
        var sweep = JsonDocument.Parse(stdout).RootElement.GetProperty("sweep_id").GetString()!;

        // A running trial with a loss: the trainer's progress reached the page through the coordinator.
        await WaitFor(page, """
            () => [...document.querySelectorAll('[data-testid=running] tbody tr[data-trial]')].some(r =>
                /^\d+\.\d{4}$/.test(r.querySelector('td.loss').textContent))
            """, node);
        await Screenshot(page, "dashboard-running.png");
        await WaitFor(page, $"() => document.querySelector('[data-testid=sweeps] tr[data-sweep=\"{sweep}\"]')?.dataset.state === 'completed'", node);

        Assert.Equal("first load", await page.EvaluateExpressionAsync<string>("window.__coraPage"));
        var row = await page.EvaluateExpressionAsync<string>($"document.querySelector('[data-testid=sweeps] tr[data-sweep=\"{sweep}\"]').textContent");
        Assert.Contains("2/2", row, StringComparison.Ordinal);
        Assert.Equal("nothing running", await page.EvaluateExpressionAsync<string>("document.querySelector('[data-testid=running] tbody').textContent"));

        // A report written from the console appears in the list, and its link opens it.
        var report = await NodeProcess.RunAsync(Token, "report", "latest", "--contact", node.Contact, "--insecure");
        Assert.True(report.ExitCode == 0, $"report exited {report.ExitCode}: {report.Stderr}");
        Assert.Equal(Path.Combine(artifacts, "reports", sweep, "index.html"), report.Stdout.Trim().Split('\n')[^1]);
        await WaitFor(page, $"() => document.querySelector('[data-testid=reports] a[href=\"/reports/{sweep}/index.html\"]') !== null", node);
        await Screenshot(page, "dashboard-completed.png");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync($"[data-testid=reports] a[href=\"/reports/{sweep}/index.html\"]"));
        Assert.EndsWith($"/reports/{sweep}/index.html", page.Url, StringComparison.Ordinal);
        Assert.Contains(sweep, await page.EvaluateExpressionAsync<string>("document.body.innerText"), StringComparison.Ordinal);
        Assert.True(await page.EvaluateExpressionAsync<bool>("[...document.images].length > 0 && [...document.images].every(i => i.complete && i.naturalWidth > 0)"),
            "the report's plots load through the dashboard");
        await Screenshot(page, "dashboard-report.png");

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(address, "metrics"));
        Assert.Equal(2, PrometheusText.Sample(metrics, "cora_trials", ("state", "succeeded")));
        Assert.Equal(0, PrometheusText.Sample(metrics, "cora_trainer_slots_busy", ("node", node.Address)));
        Assert.Equal(1, PrometheusText.Sample(metrics, "cora_trial_duration_seconds_count", ("method", "lora"), ("outcome", "succeeded")));
        Assert.Equal(1, PrometheusText.Sample(metrics, "cora_trial_duration_seconds_count", ("method", "cora-fb"), ("outcome", "succeeded")));
        Assert.True(PrometheusText.Sample(metrics, "cora_coordinator_journal_lag_seconds_count") >= 5, metrics);
    }

    private async Task WaitFor(IPage page, string condition, NodeProcess node)
    {
        try
        {
            await page.WaitForFunctionAsync(condition, new WaitForFunctionOptions
            {
                Timeout = (int)Deadline.TotalMilliseconds,
                PollingInterval = 100,
            });
        }
        catch (WaitTaskTimeoutException)
        {
            await Screenshot(page, "dashboard-timeout.png");
            var body = await page.EvaluateExpressionAsync<string>("document.body.innerText");
            throw new Xunit.Sdk.XunitException($"the page never showed: {condition}\n--- page:\n{body}\n--- node:\n{node.Output}");
        }
    }

    private async Task Screenshot(IPage page, string name)
    {
        var path = Path.Combine(OutputDirectory(), name);
        await page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        _output.WriteLine($"screenshot: {path}");
    }
}
