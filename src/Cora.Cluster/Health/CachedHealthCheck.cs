using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Cora.Cluster.Health;

/// <summary>
/// One of the node's checks, run at most once per <c>cora.health.cache-for</c>: probes that come
/// meanwhile (Kubernetes, systemd, an operator's curl, all at once) get the last result or wait
/// for the run under way, so a storm of probes costs the database one query. A check's deadline
/// is its own (it never waits on a probe's cancellation, which would fail it for the others).
/// A change between ok and failed is logged once, with the exception's messages; the endpoint
/// shows only the short reason.
/// </summary>
internal sealed class CachedHealthCheck(string name, Func<Task<HealthCheckResult>> check, TimeSpan cacheFor, ILogger log) : IHealthCheck
{
    private readonly Lock _lock = new();
    private Task<HealthCheckResult>? _last;
    /// <summary>When <see cref="_last"/> finished (Stopwatch ticks); meaningless while it runs.</summary>
    private long _finished;
    private HealthStatus? _reported;

    public string Name => name;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_last is null || (_last.IsCompleted && Stopwatch.GetElapsedTime(_finished) >= cacheFor)) _last = RunAsync();
            return _last.WaitAsync(cancellationToken);
        }
    }

    private async Task<HealthCheckResult> RunAsync()
    {
        HealthCheckResult result;
        try
        {
            result = await check().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A check that throws has failed, not crashed the endpoint: it is logged below, and
            // the endpoint shows only the exception's type (its message may name hosts or paths).
            result = HealthCheckResult.Unhealthy(e.GetType().Name, e);
        }
        lock (_lock)
        {
            _finished = Stopwatch.GetTimestamp();
            if (_reported != result.Status)
            {
                if (result.Status == HealthStatus.Healthy && _reported is not null)
                    log.LogWarning("Health check {Check} is ok again", name);
                else if (result.Status != HealthStatus.Healthy)
                    log.LogWarning("Health check {Check} failed: {Reason}{Detail}", name, result.Description, Detail(result.Exception));
                _reported = result.Status;
            }
        }
        return result;
    }

    /// <summary>The exception's messages, outermost first (the node's log may name hosts and paths).</summary>
    private static string Detail(Exception? e)
    {
        var messages = new List<string>();
        for (; e is not null; e = e.InnerException) messages.Add(e.Message);
        return messages.Count == 0 ? "" : $" ({string.Join(": ", messages)})";
    }
}
