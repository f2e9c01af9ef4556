using System.Diagnostics;

namespace Cora.Cluster.Commands;

/// <summary>
/// Progress on stderr for work that takes more than a few seconds. On a terminal one line is
/// rewritten in place; when stderr is a file or pipe a line is appended at most once per
/// <see cref="Interval"/>, so logs stay short. Stage changes are always written.
/// </summary>
public sealed class ConsoleProgress(TextWriter error, bool interactive)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private string? _stage;
    private bool _lineOpen;

    public static ConsoleProgress ForStderr(TextWriter error) =>
        new(error, interactive: ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);

    /// <param name="stage">What is happening ("pretraining base").</param>
    /// <param name="detail">Where it is ("step 40/120 loss 2.31").</param>
    /// <param name="final">The last update of this stage: always shown.</param>
    public void Report(string stage, string? detail = null, bool final = false)
    {
        var newStage = stage != _stage;
        if (!newStage && !final && _sinceLast.Elapsed < Interval) return;
        _stage = stage;
        _sinceLast.Restart();
        var line = detail is null ? stage : $"{stage}: {detail}";
        if (interactive)
        {
            if (newStage && _lineOpen) error.WriteLine();
            error.Write($"\r\u001b[2K{line}");
            _lineOpen = true;
        }
        else
        {
            error.WriteLine(line);
        }
    }

    /// <summary>Ends the in-place line, if any.</summary>
    public void Done()
    {
        if (_lineOpen) error.WriteLine();
        _lineOpen = false;
    }
}
