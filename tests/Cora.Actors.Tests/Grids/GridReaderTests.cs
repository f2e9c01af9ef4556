using Cora.Actors.Grids;
using Cora.Training;
using Cora.Training.Lora;

namespace Cora.Actors.Tests.Grids;

public sealed class GridReaderTests : IDisposable
{
    private readonly FakeZoo _zoo = new();
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        _zoo.Dispose();
        _temp.Dispose();
    }

    private static string Shipped(string name) => Path.Combine(Fixtures.Repository, "hocon", "grids", name);

    /// <summary>The smoke grid with one piece of text replaced, written to a temp file.</summary>
    private string SmokeWith(string from, string to)
    {
        var text = File.ReadAllText(Shipped("smoke.conf"));
        Assert.Contains(from, text);
        var path = _temp.File("grid.conf");
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
        return path;
    }

    private InvalidInputException Rejected(string path) =>
        Assert.Throws<InvalidInputException>(() => GridReader.CheckFiles(GridReader.Read(path, _zoo.Environment)));

    [Fact]
    public void The_smoke_grid_reads_with_its_zoo_taken_from_CORA_ZOO()
    {
        var grid = GridReader.Read(Shipped("smoke.conf"), _zoo.Environment);
        Assert.Equal("smoke", grid.Name);
        Assert.Equal(Path.Combine(_zoo.Directory, "base"), grid.BaseModel);
        Assert.Equal(5, grid.SourcePool.Count);
        Assert.All(grid.SourcePool, p => Assert.StartsWith(_zoo.Directory, p));
        Assert.Equal([LoraMethod.Lora, LoraMethod.CoraFb, LoraMethod.CoraTb, LoraMethod.ZerosFb], grid.Methods);
        Assert.Equal("micro", grid.ZooPreset);
        Assert.Equal(12, grid.Training.MaxSteps);
        GridReader.CheckFiles(grid);
    }

    [Fact]
    public void A_inits_are_read_and_a_bad_one_is_named()
    {
        Assert.Equal([AInit.Kaiming], GridReader.Read(Shipped("smoke.conf"), _zoo.Environment).AInits);
        var both = GridReader.Read(SmokeWith("seeds = [0]", "seeds = [0]\n  a-inits = [kaiming, zeros]"), _zoo.Environment);
        Assert.Equal([AInit.Kaiming, AInit.Zeros], both.AInits);
        var e = Rejected(SmokeWith("seeds = [0]", "seeds = [0]\n  a-inits = [kaiming, gaussian]"));
        Assert.Contains("grid.a-inits[1]", e.Message);
        Assert.Contains("unknown a-init \"gaussian\"", e.Message);
    }

    [Fact]
    public void Gradient_checkpointing_is_read_from_the_training_block_and_off_by_default()
    {
        Assert.False(GridReader.Read(Shipped("smoke.conf"), _zoo.Environment).Training.GradientCheckpointing);
        var on = GridReader.Read(SmokeWith("max_steps = 12", "max_steps = 12\n    gradient_checkpointing = true"), _zoo.Environment);
        Assert.True(on.Training.GradientCheckpointing);
        var e = Rejected(SmokeWith("max_steps = 12", "max_steps = 12\n    gradient_checkpointing = sometimes"));
        Assert.Contains("gradient_checkpointing", e.Message);
    }

    [Fact]
    public void Omitted_keys_take_the_defaults_cora_train_uses()
    {
        var text = File.ReadAllText(Shipped("smoke.conf"));
        var start = text.IndexOf("  lora {", StringComparison.Ordinal);
        var end = text.IndexOf("  evaluation {", StringComparison.Ordinal);
        var path = _temp.File("defaults.conf");
        File.WriteAllText(path, text[..start] + text[end..]);

        var grid = GridReader.Read(path, _zoo.Environment);

        Assert.Equal(Cora.Training.Trials.TrialDefaults.Training, grid.Training);
        Assert.Equal((Cora.Training.Trials.TrialDefaults.AlphaPerRank, Cora.Training.Trials.TrialDefaults.LoraDropout), (grid.AlphaPerRank, grid.LoraDropout));
        Assert.Equal((Cora.Training.Trials.TrialDefaults.MaxNewTokens, Cora.Training.Trials.TrialDefaults.GenerationBatchSize), (grid.MaxNewTokens, grid.GenerationBatchSize));
    }

    [Fact]
    public void Without_CORA_ZOO_the_zoo_is_zoo_micro_under_the_working_directory()
    {
        var grid = GridReader.Read(Shipped("smoke.conf"), _ => null);
        Assert.Equal(Path.GetFullPath("zoo/micro"), grid.Zoo);
    }

    [Fact]
    public void An_unknown_key_is_rejected_with_its_path()
    {
        var e = Rejected(SmokeWith("learning_rate = 3e-3", "learning_rte = 3e-3"));
        Assert.Contains("grid.training.learning_rte: unknown key", e.Message);
        Assert.Contains("grid.conf", e.Message);
    }

    [Fact]
    public void A_rank_larger_than_the_model_allows_is_rejected_with_its_path()
    {
        // The fixture model has hidden size 32.
        var e = Rejected(SmokeWith("ranks = [4]", "ranks = [4, 64]"));
        Assert.Contains("grid.ranks[1]: rank 64 is larger than the base model allows (32", e.Message);
    }

    [Fact]
    public void An_empty_source_pool_is_rejected_when_cora_methods_need_it()
    {
        var path = SmokeWith("counts = [2, 5]", "counts = []");
        File.WriteAllText(path, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(path), @"pool = \[[^\]]*\]", "pool = []"));
        var e = Rejected(path);
        Assert.Contains("grid.sources.pool: is empty", e.Message);
    }

    [Fact]
    public void More_sources_than_the_pool_holds_is_rejected_with_its_path()
    {
        var e = Rejected(SmokeWith("counts = [2, 5]", "counts = [2, 6]"));
        Assert.Contains("grid.sources.counts[1]: 6 sources asked for, but the pool has 5", e.Message);
    }

    [Fact]
    public void A_missing_file_is_rejected_with_its_path()
    {
        File.Delete(Path.Combine(_zoo.Directory, "data", "alpaca", "eval.jsonl"));
        var e = Rejected(Shipped("smoke.conf"));
        Assert.Contains("grid.datasets[0].eval", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Bertscore_without_a_model_is_rejected_with_its_path()
    {
        var e = Rejected(SmokeWith("bertscore { model = ${grid.zoo}\"/base\", layer = 2 }", ""));
        Assert.Contains("grid.evaluation.bertscore.model: missing", e.Message);
    }

    [Fact]
    public void The_smoke_grid_scores_bertscore_in_base_mode_with_the_zoo_base()
    {
        var grid = GridReader.Read(Shipped("smoke.conf"), _zoo.Environment);
        Assert.Contains("bertscore", grid.Metrics);
        Assert.Equal((Path.Combine(_zoo.Directory, "base"), 2), (grid.BertScore!.Model, grid.BertScore.Layer));
    }

    [Fact]
    public void An_unknown_method_names_its_index()
    {
        var e = Rejected(SmokeWith("methods = [lora,", "methods = [lora, dora,"));
        Assert.Contains("grid.methods[1]", e.Message);
        Assert.Contains("dora", e.Message);
    }

    [Fact]
    public void A_bad_training_value_names_the_block()
    {
        var e = Rejected(SmokeWith("learning_rate = 3e-3", "learning_rate = -1"));
        Assert.Contains("grid.training", e.Message);
        Assert.Contains("learning_rate must be positive", e.Message);
    }

    [Theory]
    [InlineData("timeout = 10m", "timeout = 8d", "grid.trials.timeout: must be positive and at most 7 days")]
    [InlineData("timeout = 10m", "timeout = 0s", "grid.trials.timeout: must be positive and at most 7 days")]
    [InlineData("max-attempts = 2", "max-attempts = 21", "grid.trials.max-attempts: must be between 1 and 20 (got 21)")]
    [InlineData("max-attempts = 2", "max-attempts = 0", "grid.trials.max-attempts: must be between 1 and 20 (got 0)")]
    [InlineData("max-attempts = 2", "max-attempts = 2, max-abandons = 0", "grid.trials.max-abandons: must be between 1 and 20 (got 0)")]
    [InlineData("max-attempts = 2", "max-attempts = 2, max-abandons = 21", "grid.trials.max-abandons: must be between 1 and 20 (got 21)")]
    public void Trial_timeouts_and_attempts_are_bounded_as_the_coordinator_bounds_them(string from, string to, string message)
    {
        Assert.Contains(message, Rejected(SmokeWith(from, to)).Message);
    }

    [Theory]
    [InlineData("paper.conf")]
    [InlineData("llama2-13b.conf")]
    public void The_shipped_grids_read(string name)
    {
        var grid = GridReader.Read(Shipped(name), _zoo.Environment);
        Assert.Equal([1, 2, 3, 4, 5], grid.SourceCounts);
        Assert.Equal([8, 16, 24, 32, 48], grid.Ranks);
        Assert.Equal([48], grid.AblationRanks);
    }

    [Fact]
    public void The_demo_grid_makes_a_tiny_zoo_with_one_source_and_runs_two_seeds()
    {
        var grid = GridReader.CheckFiles(GridReader.Read(Shipped("demo.conf"), _zoo.Environment));
        Assert.Equal(("tiny", 1), (grid.ZooPreset, grid.ZooSources));
        Assert.Equal([1], grid.SourceCounts);
        Assert.Equal([0, 1], grid.Seeds);
        Assert.Equal([LoraMethod.Lora, LoraMethod.CoraFb, LoraMethod.CoraTb, LoraMethod.ZerosFb], grid.Methods);
    }

    [Fact]
    public void Zoo_sources_out_of_range_are_rejected_with_the_key()
    {
        var e = Rejected(SmokeWith("zoo-preset = micro", "zoo-preset = micro\n  zoo-sources = 6"));
        Assert.Contains("grid.zoo-sources: must be between 1 and 5", e.Message);
    }
}
