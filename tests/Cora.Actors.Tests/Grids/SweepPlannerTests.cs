using Cora.Actors.Grids;
using Cora.Training.Lora;
using Cora.Training.Scoring.BertScore;

namespace Cora.Actors.Tests.Grids;

public sealed class SweepPlannerTests : IDisposable
{
    private readonly FakeZoo _zoo = new();

    public void Dispose() => _zoo.Dispose();

    private static string Shipped(string name) => Path.Combine(Fixtures.Repository, "hocon", "grids", name);

    private SweepPlan Plan(string grid, Func<GridSpec, GridSpec>? change = null)
    {
        var spec = GridReader.Read(Shipped(grid), _zoo.Environment);
        return SweepPlanner.Plan(change is null ? spec : change(spec), new ContentHashes(null));
    }

    [Fact]
    public void Axes_multiply_only_the_methods_that_depend_on_them()
    {
        var plan = Plan("paper.conf");
        int Count(string method) => plan.Trials.Count(t => t.Method == method);
        // Per dataset and seed (2 × 3): lora, pissa, mica-fb 5 ranks; cora 5 ranks × 5 source
        // counts; each ablation once at r = 48; full-ft once.
        Assert.Equal(5 * 6, Count("lora"));
        Assert.Equal(25 * 6, Count("cora-fb"));
        Assert.Equal(25 * 6, Count("cora-tb"));
        Assert.Equal(6, Count("zeros-fb"));
        Assert.Equal(6, Count("random-fb"));
        Assert.Equal(5 * 6, Count("pissa"));
        Assert.Equal(6, Count("full-ft"));
        Assert.Equal(414, plan.Trials.Count);
        Assert.Equal(plan.Trials.Count, plan.Trials.Select(t => t.TrialId).Distinct().Count());
        Assert.All(plan.Trials.Where(t => t.Method == "lora"), t => Assert.Equal((0, null), (t.Sources, t.Basis)));
        Assert.All(plan.Trials.Where(t => t.Method == "full-ft"), t => Assert.Equal(0, t.Rank));
    }

    [Fact]
    public void A_inits_multiply_only_the_methods_that_start_b_non_zero_and_kaiming_keeps_its_ids()
    {
        var kaiming = Plan("smoke.conf");
        var both = Plan("smoke.conf", g => g with { AInits = [AInit.Kaiming, AInit.Zeros] });

        // smoke: lora, cora-fb × 2 source sets, cora-tb × 2, zeros-fb; the four CoRA trials double.
        Assert.Equal(6, kaiming.Trials.Count);
        Assert.Equal(10, both.Trials.Count);
        Assert.Equal(kaiming.Trials.Select(t => t.TrialId), both.Trials.Where(t => t.AInit != "zeros").Select(t => t.TrialId));
        var zeros = both.Trials.Where(t => t.AInit == "zeros").ToList();
        Assert.Equal(["cora-fb", "cora-fb", "cora-tb", "cora-tb"], zeros.Select(t => t.Method));
        Assert.All(zeros, t => Assert.Equal("zeros", t.Spec.AInit));
        Assert.All(both.Trials.Where(t => t.Method is "lora" or "zeros-fb"), t => Assert.Equal((null, "kaiming"), (t.AInit, t.Spec.AInit)));
        Assert.Equal(both.Trials.Count, both.Trials.Select(t => t.TrialId).Distinct().Count());
    }

    [Fact]
    public void Trial_ids_are_stable_across_plans_and_independent_of_where_the_zoo_lives()
    {
        var first = Plan("smoke.conf");
        Assert.Equal(first.Trials.Select(t => t.TrialId), Plan("smoke.conf").Trials.Select(t => t.TrialId));
        using var moved = new FakeZoo();
        var elsewhere = SweepPlanner.Plan(GridReader.Read(Shipped("smoke.conf"), moved.Environment), new ContentHashes(null));
        Assert.Equal(first.SweepId, elsewhere.SweepId);
        Assert.Equal(first.Trials.Select(t => t.TrialId), elsewhere.Trials.Select(t => t.TrialId));
    }

    [Fact]
    public void How_often_a_trial_checkpoints_does_not_change_its_id_but_reaches_its_spec()
    {
        var before = Plan("smoke.conf");
        var checkpointed = Plan("smoke.conf", g => g with { Training = g.Training with { SaveSteps = 7 } });
        Assert.Equal(before.Trials.Select(t => t.TrialId), checkpointed.Trials.Select(t => t.TrialId));
        Assert.All(checkpointed.Trials, t => Assert.Equal(7, t.Spec.Training.SaveSteps));
        Assert.Equal(250, GridReader.Read(Shipped("llama2-13b.conf"), _zoo.Environment).Training.SaveSteps);
    }

    [Fact]
    public void Changing_a_hyper_parameter_or_the_data_changes_the_ids_it_affects()
    {
        var before = Plan("smoke.conf");
        var lr = Plan("smoke.conf", g => g with { Training = g.Training with { LearningRate = 1e-3 } });
        Assert.Empty(before.Trials.Select(t => t.TrialId).Intersect(lr.Trials.Select(t => t.TrialId)));

        File.AppendAllText(Path.Combine(_zoo.Directory, "data", "alpaca", "train.jsonl"), "{\"instruction\":\"more\",\"input\":\"\",\"output\":\"x\"}\n");
        var data = Plan("smoke.conf");
        Assert.Empty(before.Trials.Select(t => t.TrialId).Intersect(data.Trials.Select(t => t.TrialId)));
    }

    [Fact]
    public void Gradient_checkpointing_keeps_the_trial_ids_and_the_trials_carry_it()
    {
        var before = Plan("smoke.conf");
        var on = Plan("smoke.conf", g => g with { Training = g.Training with { GradientCheckpointing = true } });
        Assert.Equal(before.Trials.Select(t => t.TrialId), on.Trials.Select(t => t.TrialId));
        Assert.All(on.Trials, t => Assert.True(t.Spec.Training.GradientCheckpointing));
        // Off, the key is not written at all: arguments hashed before it existed hash the same.
        Assert.DoesNotContain("gradient_checkpointing", System.Text.Json.JsonSerializer.Serialize(before.Trials[0].Spec.Training));
    }

    [Fact]
    public void A_default_bertscore_layer_enters_trial_ids_as_the_layer_scoring_will_use()
    {
        // The same RoBERTa (config saying 24 layers) in a directory named roberta-large (default:
        // bert-score's tuned 17) and in one with an unknown name (default: the last, 24). Content
        // hashes are equal; only the chosen layer tells the trials apart.
        using var temp = new TempDirectory();
        string Copy(string name)
        {
            var dir = temp.File(name);
            Directory.CreateDirectory(dir);
            var tiny = Path.Combine(Fixtures.Root, "bertscore", "roberta-tiny");
            File.Copy(Path.Combine(tiny, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
            File.WriteAllText(Path.Combine(dir, "config.json"), File.ReadAllText(Path.Combine(tiny, "config.json")).Replace("\"num_hidden_layers\": 3", "\"num_hidden_layers\": 24", StringComparison.Ordinal));
            return dir;
        }
        var (named, unnamed) = (Copy("roberta-large"), Copy("my-encoder"));
        IEnumerable<string> Ids(string model, int? layer) =>
            Plan("smoke.conf", g => g with { BertScore = new BertScoreOptions(model) { Layer = layer } }).Trials.Select(t => t.TrialId);

        Assert.Equal(Ids(named, 17), Ids(named, null));
        Assert.Equal(Ids(unnamed, 24), Ids(unnamed, null));
        Assert.Empty(Ids(named, null).Intersect(Ids(unnamed, null)));
    }

    [Fact]
    public void Source_sets_are_seeded_draws_nested_by_size_and_one_basis_serves_every_rank()
    {
        var pool = Enumerable.Range(0, 5).Select(i => $"src-{i}").ToList();
        var sets = Enumerable.Range(1, 5).Select(k => SweepPlanner.Draw(pool, k, seed: 0)).ToList();
        for (var k = 1; k < 5; k++) Assert.Equal(sets[k - 1], sets[k].Take(k));
        Assert.Equal(pool.Order(), sets[4].Order());
        Assert.NotEqual(SweepPlanner.Draw(pool, 5, seed: 0), SweepPlanner.Draw(pool, 5, seed: 1));

        var plan = Plan("paper.conf");
        var bases = plan.Trials.Where(t => t.Basis is not null).Select(t => t.Basis!).DistinctBy(b => b.BasisId).ToList();
        Assert.Equal(5, bases.Count);
        Assert.All(bases, b => Assert.Equal(48, b.MaxRank));
    }

    [Fact]
    public void The_paper_grid_fits_in_one_remote_message_with_room_to_spare()
    {
        // The console submits a whole plan as one message through Akka.Remote.
        var bytes = System.Text.Encoding.UTF8.GetByteCount(Cora.Actors.Serialization.CoraJsonSerializer.Write(new Cora.Actors.Coordinator.SubmitSweep(Plan("paper.conf"))));
        var limit = CoraConfig.Reference.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size")!.Value;
        Assert.True(bytes * 10 < limit, $"a paper-sized plan is {bytes} bytes; the frame limit {limit} leaves no room for 10x larger grids");
    }
}
