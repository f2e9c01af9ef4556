using System.CommandLine;
using Cora.Cluster.Commands;
using Cora.Cluster.Hosting;
using Cora.Training;
using Cora.Training.FineTuning;

namespace Cora.Cluster;

/// <summary>
/// Builds the `cora` command tree (each command lives in its own file under Commands/) and runs it:
/// results go to stdout, progress and errors to stderr, and the exit code says how it went.
/// </summary>
public static class CoraCli
{
    public static RootCommand Build() => new("Cora: CoRA / LoRA experiments on a cluster of actors.")
    {
        new Command("model", "Inspect and score Hugging Face Llama checkpoints") { ModelInspectCommand.Create(), ModelScoreCommand.Create(), ModelMergeCommand.Create() },
        new Command("basis", "CoRA's common basis: extract it from source models, inspect their spectrum") { BasisExtractCommand.Create(), BasisSpectrumCommand.Create() },
        new Command("zoo", "The tiny model zoo the tests and demos run on") { ZooMakeCommand.Create() },
        new Command("eval", "Score predictions with the metrics the paper reports") { EvalScoreCommand.Create(), EvalCompareCommand.Create() },
        TokenizeCommand.Create(),
        GenerateCommand.Create(),
        TrainCommand.Create(),
        RunCommand.Create(),
        ReportCommand.Create(),
        DemoCommand.Create(),
        NodeCommand.Create(),
        HealthCommand.Create(),
        new Command("cert", "Certificates for a cluster's mutual TLS: a CA, node and client certificates signed by it")
        {
            CertCreateCaCommand.Create(), CertCreateNodeCommand.Create(), CertCreateClientCommand.Create(),
        },
        InteractiveConsoleCommand.Create(),
        new Command("cluster", "Operate a running cluster (through any node's receptionist)")
        {
            ClusterShowCommand.Create(), ClusterTailCommand.Create(), ClusterMemberCommand.Leave(), ClusterMemberCommand.Down(),
        },
        new Command("sweep", "Sweeps on a running cluster")
        {
            SweepStartCommand.Create(), SweepListCommand.Create(), SweepStatusCommand.Create(), SweepResultsCommand.Create(),
            SweepControlCommand.Cancel(), SweepControlCommand.Retry(),
        },
        new Command("schedule", "Cron schedules that submit grids to a running cluster")
        {
            ScheduleAddCommand.Create(), ScheduleListCommand.Create(), ScheduleControlCommand.Remove(), ScheduleControlCommand.RunNow(),
        },
        new Command("trial", "Trials: run one attempt (trainers), or inspect one on a running cluster")
        {
            TrialExecCommand.Exec(), TrialShowCommand.Create(), TrialLogsCommand.Create(),
        },
    };

    public static int Run(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var config = new InvocationConfiguration
        {
            Output = stdout ?? Console.Out,
            Error = stderr ?? Console.Error,
            EnableDefaultExceptionHandler = false,
            // Ctrl+C / SIGTERM cancel the command's token; give it time to stop cleanly (a node
            // stops its trial processes, files are closed) before the process is ended anyway.
            ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
        };
        var parsed = Build().Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parsed.Errors) config.Error.WriteLine($"cora: {error.Message}");
            config.Error.WriteLine("Run 'cora --help' (or 'cora COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return parsed.Invoke(config);
        }
        catch (InvalidInputException e)
        {
            config.Error.WriteLine($"cora: {e.Message}");
            return ExitCodes.DataError;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            config.Error.WriteLine($"cora: {e.Message}");
            return ExitCodes.NoInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            config.Error.WriteLine($"cora: {e.Message}");
            return ExitCodes.IoError;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: long work checks its token between steps; files are written atomically, so
            // nothing half-written is left under a final name.
            config.Error.WriteLine("cora: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (ConsoleRefusedException e)
        {
            config.Error.WriteLine($"cora: refused: {e.Message}");
            return ExitCodes.Refused;
        }
        catch (ConsoleUnreachableException e)
        {
            config.Error.WriteLine($"cora: {e.Message}");
            return ExitCodes.Unavailable;
        }
        catch (TrainingDivergedException e)
        {
            config.Error.WriteLine($"cora: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}
