using System.Text.Json;

namespace Cora.Cluster.Dashboard;

/// <summary>
/// The latest <see cref="DashboardState"/>, handed from the <see cref="DashboardFeed"/> actor to
/// the web requests that read it (the one place the two threads meet). Each change gets a new
/// version; a refresh that changes nothing but the time is not a change, so browsers hear only news.
/// </summary>
public sealed class DashboardStore
{
    private readonly Lock _lock = new();
    private DashboardState _state;
    private string _json;
    private string _content;
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DashboardStore(DashboardState initial)
    {
        _state = initial;
        _json = JsonSerializer.Serialize(initial);
        _content = Content(initial);
    }

    public (long Version, DashboardState State, string Json) Current
    {
        get
        {
            lock (_lock) return (_version, _state, _json);
        }
    }

    public void Publish(DashboardState state)
    {
        var content = Content(state);
        TaskCompletionSource changed;
        lock (_lock)
        {
            _state = state;
            _json = JsonSerializer.Serialize(state);
            if (content == _content) return;
            _content = content;
            _version++;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>The state once its version is past <paramref name="seen"/>, or the current one
    /// after <paramref name="wait"/> (so a stream can send a keep-alive).</summary>
    public async Task<(long Version, string Json)> NextAsync(long seen, TimeSpan wait, CancellationToken cancellation)
    {
        Task changed;
        lock (_lock)
        {
            if (_version != seen) return (_version, _json);
            changed = _changed.Task;
        }
        await Task.WhenAny(changed, Task.Delay(wait, cancellation)).ConfigureAwait(false);
        cancellation.ThrowIfCancellationRequested();
        lock (_lock) return (_version, _json);
    }

    private static string Content(DashboardState state) => JsonSerializer.Serialize(state with { Updated = default });
}
