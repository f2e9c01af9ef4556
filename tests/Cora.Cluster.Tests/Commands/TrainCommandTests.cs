using System.Text.Json.Nodes;
using Cora.Cluster.Commands;
using Cora.Training.Lora;
using Cora.Training.Trials;

namespace Cora.Cluster.Tests.Commands;

/// <summary>Every method, trained briefly through `cora train` on the micro zoo's alpaca target,
/// with a CoRA basis extracted from the zoo's five source models.</summary>
/// <remarks>Made once, on first use, under the zoo's own temporary directory (deleted with it).</remarks>
public sealed class TrainedTrials
{
    public const int Rank = 8;
    private static readonly Lock Gate = new();
    private static TrainedTrials? _made;
    private readonly string _root;

    public static TrainedTrials For(MicroZoo zoo)
    {
        lock (Gate) return _made ??= new TrainedTrials(zoo);
    }

    private TrainedTrials(MicroZoo zoo)
    {
        Zoo = zoo;
        _root = Path.Combine(zoo.Directory, "trials-under-test");
        Directory.CreateDirectory(_root);
        Basis = Output("basis.safetensors");
        var sources = string.Join(",", Enumerable.Range(0, 5).Select(i => Path.Combine(zoo.Directory, $"sources/src-{i}")));
        BasisRun = Cli.Invoke("basis", "extract", "--sources", sources, "--max-rank", "16", "--out", Basis);
        foreach (var method in LoraMethods.Names)
            Runs[method] = Train(method, Output(method));
        Repeat = Train("lora", Output("lora-again"));
    }

    public MicroZoo Zoo { get; }
    public string Basis { get; }
    public Cli.Run BasisRun { get; }
    public Dictionary<string, Cli.Run> Runs { get; } = [];
    public Cli.Run Repeat { get; }

    public string Output(string name) => Path.Combine(_root, name);

    public Cli.Run Train(string method, string output, params string[] extra)
    {
        string[] args =
        [
            "train", "--base", Path.Combine(Zoo.Directory, "base"),
            "--data", Path.Combine(Zoo.Directory, "data/alpaca/train.jsonl"),
            "--eval-data", Path.Combine(Zoo.Directory, "data/alpaca/eval.jsonl"),
            "--method", method, "--rank", $"{Rank}", "--max-steps", "25", "--lr", "3e-3", "--dropout", "0",
            "--generate-limit", "3", "--max-new-tokens", "8", "--out", output, "--seed", "5", "--json",
            .. method is "cora-fb" or "cora-tb" ? new[] { "--basis", Basis } : [],
            .. extra,
        ];
        return Cli.Invoke(args);
    }

    public JsonNode Result(string method)
    {
        var run = Runs[method];
        Assert.True(run.ExitCode == ExitCodes.Ok, $"{method}: {run.Stderr}");
        return JsonNode.Parse(run.Stdout)!;
    }
}

[Collection(MicroZooGroup.Name)]
public sealed class TrainCommandTests(MicroZoo zoo)
{
    // Micro zoo: hidden 64 = q/k/v out = in, 2 layers, targets q/k/v.
    private const long Sites = 2 * 3;
    private const long Width = 64;

    public static TheoryData<string> Methods() => [.. LoraMethods.Names];

    [Theory]
    [MemberData(nameof(Methods))]
    public void Every_method_trains_and_writes_its_artifacts(string method)
    {
        var trials = Trials;
        Assert.True(trials.BasisRun.ExitCode == ExitCodes.Ok, trials.BasisRun.Stderr);
        var result = trials.Result(method);
        Assert.Equal(method, (string)result["method"]!);
        Assert.Equal(25, (int)result["steps"]!);
        Assert.True(double.IsFinite((double)result["eval_loss_after"]!));
        Assert.Equal(3, File.ReadAllLines((string)result["predictions"]!).Length);
        var model = (string)result["model_dir"]!;
        if (method == "full-ft")
        {
            Assert.True(File.Exists(Path.Combine(model, "config.json")));
            Assert.True(File.Exists(Path.Combine(model, "tokenizer.json")));
        }
        else
        {
            Assert.True(File.Exists(Path.Combine(model, "adapter_config.json")));
            Assert.True(File.Exists(Path.Combine(model, "adapter_model.safetensors")));
        }
        Assert.True(File.Exists(Path.Combine(trials.Output(method), "result.json")));
        Assert.True(File.Exists(Path.Combine(trials.Output(method), "trial.json")));
    }

    [Theory]
    [InlineData("lora", Sites * TrainedTrials.Rank * (Width + Width))]
    [InlineData("cora-tb", Sites * TrainedTrials.Rank * (Width + Width))]
    [InlineData("pissa", Sites * TrainedTrials.Rank * (Width + Width))]
    [InlineData("cora-fb", Sites * TrainedTrials.Rank * Width)]        // A only: half of lora, out = in
    [InlineData("zeros-fb", Sites * TrainedTrials.Rank * Width)]
    [InlineData("mica-fb", Sites * TrainedTrials.Rank * Width)]
    public void Trainable_parameter_counts_are_exact(string method, long expected)
    {
        Assert.Equal(expected, (long)Trials.Result(method)["trainable_parameters"]!);
        var fullFt = Trials.Result("full-ft");
        Assert.Equal((long)fullFt["total_parameters"]!, (long)fullFt["trainable_parameters"]!);
    }

    [Theory]
    [InlineData("lora")]
    [InlineData("cora-tb")]
    [InlineData("cora-fb")]
    public void Lora_and_cora_lower_the_eval_loss(string method)
    {
        var result = Trials.Result(method);
        Assert.True((double)result["eval_loss_after"]! < (double)result["eval_loss_base"]!, result.ToJsonString());
    }

    [Fact]
    public void Zeros_fb_leaves_the_model_unchanged()
    {
        var result = Trials.Result("zeros-fb");
        Assert.Equal((double)result["eval_loss_base"]!, (double)result["eval_loss_after"]!);
        Assert.Equal((double)result["eval_loss_base"]!, (double)result["eval_loss_init"]!);
    }

    [Fact]
    public void The_same_seed_gives_the_same_adapter_bytes()
    {
        Assert.True(Trials.Repeat.ExitCode == ExitCodes.Ok, Trials.Repeat.Stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Trials.Output("lora"), "adapter/adapter_model.safetensors")),
            File.ReadAllBytes(Path.Combine(Trials.Output("lora-again"), "adapter/adapter_model.safetensors")));
    }

    [Fact]
    public void Basis_use_is_checked_against_the_method()
    {
        var noBasis = Cli.Invoke("train", "--base", Path.Combine(zoo.Directory, "base"), "--data", "t.jsonl", "--eval-data", "e.jsonl",
            "--method", "cora-fb", "--out", Trials.Output("never"));
        Assert.Equal(ExitCodes.DataError, noBasis.ExitCode);
        Assert.Contains("method cora-fb needs --basis", noBasis.Stderr);
        var stray = Trials.Train("lora", Trials.Output("never"), "--basis", Trials.Basis);
        Assert.Equal(ExitCodes.DataError, stray.ExitCode);
        Assert.Contains("method lora does not use a basis", stray.Stderr);
        Assert.False(Directory.Exists(Trials.Output("never")));
        var gpu = Trials.Train("lora", Trials.Output("never"), "--device", "cuda");
        Assert.Equal(ExitCodes.DataError, gpu.ExitCode);
        Assert.Contains("device \"cuda\": CUDA is not available", gpu.Stderr);
        Assert.False(Directory.Exists(Trials.Output("never")));
        var unknown = Cli.Invoke("train", "--base", "b", "--data", "t", "--eval-data", "e", "--method", "dora");
        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
    }

    [Fact]
    public void A_init_zeros_starts_cora_at_the_base_model()
    {
        var output = Trials.Output("cora-fb-a0");
        var run = Trials.Train("cora-fb", output, "--a-init", "zeros");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var result = JsonNode.Parse(run.Stdout)!;
        var kaiming = Trials.Result("cora-fb");

        Assert.Equal((double)result["eval_loss_base"]!, (double)result["eval_loss_init"]!);
        Assert.Equal(0.0, (double)result["init_delta_ratio"]!);
        Assert.True((double)kaiming["init_delta_ratio"]! > 0);
        Assert.NotEqual((double)kaiming["eval_loss_base"]!, (double)kaiming["eval_loss_init"]!);
        Assert.True((double)result["eval_loss_after"]! < (double)result["eval_loss_base"]!, result.ToJsonString());
        Assert.Equal("zeros", (string)JsonNode.Parse(File.ReadAllText(Path.Combine(output, "trial.json")))!["a_init"]!);
        Assert.Equal("kaiming", (string)JsonNode.Parse(File.ReadAllText(Path.Combine(Trials.Output("cora-fb"), "trial.json")))!["a_init"]!);
    }

    [Fact]
    public void A_init_zeros_is_refused_for_a_method_without_the_choice()
    {
        var run = Trials.Train("lora", Trials.Output("never-a0"), "--a-init", "zeros");
        Assert.Equal(ExitCodes.DataError, run.ExitCode);
        Assert.Contains("a-init zeros is not a choice for lora", run.Stderr);
        Assert.False(Directory.Exists(Trials.Output("never-a0")));
        Assert.Equal(ExitCodes.Usage, Trials.Train("cora-fb", Trials.Output("never-a0"), "--a-init", "gaussian").ExitCode);
    }

    [Fact]
    public void Defaults_are_the_grids_defaults()
    {
        var help = Cli.Invoke("train", "--help").Stdout;
        var defaults = TrialDefaults.Training;
        string Default(string option) =>
            System.Text.RegularExpressions.Regex.Match(help, $@"{option} <[^>]+>[^\n]*\[default: ([^\]]+)\]").Groups[1].Value;

        Assert.Equal(defaults.LearningRate, double.Parse(Default("--lr"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(defaults.LrSchedulerType, Default("--scheduler"));
        Assert.Equal(defaults.WarmupRatio, double.Parse(Default("--warmup-ratio"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(defaults.BatchSize, int.Parse(Default("--batch-size"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(defaults.MaxSeqLength, int.Parse(Default("--max-seq-length"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TrialDefaults.LoraDropout, double.Parse(Default("--dropout"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TrialDefaults.MaxNewTokens, int.Parse(Default("--max-new-tokens"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("kaiming", Default("--a-init"));
    }

    private TrainedTrials Trials => TrainedTrials.For(zoo);
}
