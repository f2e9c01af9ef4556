using System.CommandLine;
using System.Globalization;
using System.Net;
using Cora.Cluster.Health;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora health --http-port P [--host H] [--live] [--wait SECONDS]</c>: asks a node's web
/// endpoint whether it is ready (<c>/readyz</c>; with <c>--live</c>, alive: <c>/healthz</c>) and
/// prints its answer, the checks as JSON, on stdout. Exit 0 when it is; with <c>--wait</c> it asks
/// again every second until it is or the time is up; then exit 69 (unavailable), the last answer
/// or why there was none on stderr. The systemd units run it after starting the node, so
/// <c>systemctl start</c> returns once the node is ready (deploy/README.md).
/// </summary>
public static class HealthCommand
{
    /// <summary>Between two questions: a probe more often would only get the node's cached answer.</summary>
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var port = new Option<int>("--http-port") { Description = "The node's --http-port", Required = true };
        var host = new Option<string>("--host") { Description = "Where the node's web endpoint listens (cora.http.hostname)", DefaultValueFactory = _ => "127.0.0.1" };
        var live = new Option<bool>("--live") { Description = $"Ask whether it is alive ({HealthEndpoints.LivePath}) rather than ready ({HealthEndpoints.ReadyPath})" };
        var wait = new Option<int>("--wait") { Description = "Ask again every second for up to this many seconds until the node is ready" };
        var command = new Command("health", "Is a node ready (its /readyz)? Exit 0 if so, 69 if not") { port, host, live, wait };
        command.SetAction(async (parse, cancellation) =>
        {
            var address = parse.GetValue(host)!;
            if (address.Contains(':', StringComparison.Ordinal)) address = $"[{address}]";
            var url = new Uri($"http://{address}:{parse.GetValue(port).ToString(CultureInfo.InvariantCulture)}{(parse.GetValue(live) ? HealthEndpoints.LivePath : HealthEndpoints.ReadyPath)}");
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(wait)));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            while (true)
            {
                var (status, body) = await Ask(http, url, cancellation);
                if (status == HttpStatusCode.OK)
                {
                    parse.InvocationConfiguration.Output.WriteLine(body);
                    return ExitCodes.Ok;
                }
                if (DateTime.UtcNow + Every > until)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"cora health: {url} is not {(parse.GetValue(live) ? "alive" : "ready")}: {body}");
                    return ExitCodes.Unavailable;
                }
                await Task.Delay(Every, cancellation);
            }
        });
        return command;
    }

    /// <summary>The endpoint's status and body, or no status and why there was no answer.</summary>
    private static async Task<(HttpStatusCode? Status, string Body)> Ask(HttpClient http, Uri url, CancellationToken cancellation)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellation);
            return (response.StatusCode, (await response.Content.ReadAsStringAsync(cancellation)).Trim());
        }
        catch (HttpRequestException e)
        {
            return (null, $"no answer ({e.Message})");
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return (null, $"no answer within {http.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
    }
}
