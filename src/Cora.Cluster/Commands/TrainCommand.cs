using System.CommandLine;
using Cora.Training;
using Cora.Training.Lora;
using Cora.Training.FineTuning;
using Cora.Training.Memory;
using Cora.Training.Model;
using Cora.Training.Trials;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora train --base DIR --data TRAIN.jsonl --eval-data EVAL.jsonl --method M --rank r
/// [--basis FILE] [--out DIR] [hyper-parameters…] [--json] [--dry-run]</c>: one trial end to end
/// (<see cref="TrialRunner"/>). Human output is a summary; <c>--json</c> prints result.json.
/// <c>--dry-run</c> reads only the base's config.json and prints the trial's memory estimate by
/// component against its device's capacity (<see cref="MemoryEstimate"/>), then exits without training.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var baseModel = new Option<string>("--base") { Description = "Base checkpoint directory (with tokenizer)", Required = true };
        var data = new Option<string>("--data") { Description = "Training set, alpaca JSONL", Required = true };
        var evalData = new Option<string>("--eval-data") { Description = "Evaluation set, alpaca JSONL", Required = true };
        var method = new Option<string>("--method") { Description = "lora; cora-fb / cora-tb (B = the basis, frozen / trainable); ablations zeros-fb, ones-fb, random-fb; PEFT relatives pissa, mica-fb; full-ft", Required = true };
        method.AcceptOnlyFromAmong([.. LoraMethods.Names]);
        // Every default comes from TrialDefaults (and TrainingArgs), as a grid's omitted keys do.
        var defaults = TrialDefaults.Training;
        var rank = new Option<int>("--rank") { Description = "LoRA rank r", DefaultValueFactory = _ => TrialDefaults.Rank };
        var basis = new Option<string?>("--basis") { Description = "Basis file from `cora basis extract` (cora-fb, cora-tb)" };
        var outDir = new Option<string?>("--out") { Description = "Output directory (default runs/METHOD-rRANK-sSEED, -a0 before -s with --a-init zeros)" };
        var alpha = new Option<double?>("--alpha") { Description = $"lora_alpha (default {TrialDefaults.AlphaPerRank} × rank, so scaling {TrialDefaults.AlphaPerRank})" };
        var dropout = new Option<double>("--dropout") { Description = "lora_dropout", DefaultValueFactory = _ => TrialDefaults.LoraDropout };
        var aInit = new Option<string>("--a-init") { Description = "How lora_A starts when B starts non-zero (cora-fb, cora-tb, ones-fb, random-fb): kaiming (the paper's) or zeros (start exactly at the base)", DefaultValueFactory = _ => TrialDefaults.AInitChoice.Name() };
        aInit.AcceptOnlyFromAmong([.. AInits.Names]);
        var targets = new Option<string>("--targets") { Description = "Comma-separated projections", DefaultValueFactory = _ => string.Join(",", LoraConfig.DefaultTargets) };
        var rslora = new Option<bool>("--rslora") { Description = "Scale by alpha/√r instead of alpha/r" };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps (overrides --epochs)", DefaultValueFactory = _ => defaults.MaxSteps };
        var epochs = new Option<double>("--epochs") { Description = "Passes over the training set", DefaultValueFactory = _ => defaults.NumTrainEpochs };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var batch = new Option<int>("--batch-size") { Description = "Examples per micro-batch", DefaultValueFactory = _ => defaults.BatchSize };
        var accumulation = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => defaults.GradientAccumulationSteps };
        var warmup = new Option<double>("--warmup-ratio") { Description = "Fraction of steps for warm-up", DefaultValueFactory = _ => defaults.WarmupRatio };
        var schedule = new Option<string>("--scheduler") { Description = string.Join("|", LrSchedule.Names), DefaultValueFactory = _ => defaults.LrSchedulerType };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var maxLength = new Option<int>("--max-seq-length") { Description = "Longer examples are cut", DefaultValueFactory = _ => defaults.MaxSeqLength };
        var checkpointing = new Option<bool>("--gradient-checkpointing") { Description = "Recompute each layer's activations in the backward pass: less memory, a second forward pass (gradient_checkpointing)" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Longest generated answer", DefaultValueFactory = _ => TrialDefaults.MaxNewTokens };
        var generateLimit = new Option<int?>("--generate-limit") { Description = "Answer only the first N eval examples" };
        var seed = new Option<int>("--seed") { Description = "Seeds initialisation, data order and dropout", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu (float32) or cuda / cuda:N (bfloat16; needs the CUDA build)", DefaultValueFactory = _ => "cpu" };
        var json = new Option<bool>("--json") { Description = "Print result.json (with --dry-run: the estimate)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the trial's memory estimate (base config.json only, no weights) against the device's capacity and exit" };

        var command = new Command("train", "Train one trial (LoRA, CoRA, ablations, PEFT relatives, full fine-tuning) and answer the eval set")
        {
            baseModel, data, evalData, method, rank, basis, outDir, alpha, dropout, aInit, targets, rslora, maxSteps, epochs, lr, batch,
            accumulation, warmup, schedule, weightDecay, maxLength, checkpointing, maxNew, generateLimit, seed, device, json, dryRun,
        };
        command.SetAction((parse, cancellation) =>
        {
            var r = parse.GetValue(rank);
            var spec = new TrialSpec
            {
                BaseModel = parse.GetValue(baseModel)!,
                TrainData = parse.GetValue(data)!,
                EvalData = parse.GetValue(evalData)!,
                Method = parse.GetValue(method)!,
                Rank = r,
                Basis = parse.GetValue(basis),
                LoraAlpha = parse.GetValue(alpha) ?? TrialDefaults.AlphaPerRank * r,
                LoraDropout = parse.GetValue(dropout),
                AInit = parse.GetValue(aInit)!,
                TargetModules = parse.GetValue(targets)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                UseRslora = parse.GetValue(rslora),
                Training = defaults with
                {
                    MaxSteps = parse.GetValue(maxSteps),
                    NumTrainEpochs = parse.GetValue(epochs),
                    LearningRate = parse.GetValue(lr),
                    BatchSize = parse.GetValue(batch),
                    GradientAccumulationSteps = parse.GetValue(accumulation),
                    WarmupRatio = parse.GetValue(warmup),
                    LrSchedulerType = parse.GetValue(schedule)!,
                    WeightDecay = parse.GetValue(weightDecay),
                    MaxSeqLength = parse.GetValue(maxLength),
                    GradientCheckpointing = parse.GetValue(checkpointing),
                },
                MaxNewTokens = parse.GetValue(maxNew),
                GenerationLimit = parse.GetValue(generateLimit),
                Seed = parse.GetValue(seed),
                Device = parse.GetValue(device)!,
            };
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(dryRun))
            {
                WriteEstimate(stdout, spec.Validated(), parse.GetValue(json));
                return Task.FromResult(ExitCodes.Ok);
            }
            var output = parse.GetValue(outDir) ?? Path.Combine("runs", $"{spec.Method}-r{r}{(spec.ParsedAInit == AInit.Zeros ? "-a0" : "")}-s{spec.Seed}");

            var console = ConsoleProgress.ForStderr(parse.InvocationConfiguration.Error);
            var progress = new SyncProgress<TrialProgress>(p => console.Report(p.Stage, p switch
            {
                { Training: { } t } => $"step {t.Step}/{t.TotalSteps} loss {t.Loss:F4} lr {t.LearningRate:G3} {t.TokensPerSecond / 1000:F1}k tok/s",
                { Generated: { } n } => $"{n}/{p.ToGenerate}",
                _ => null,
            }, final: p.Training is { } f && f.Step == f.TotalSteps || p.Generated == p.ToGenerate));
            var result = TrialRunner.Run(spec, output, progress, cancellation: cancellation);
            console.Done();

            if (parse.GetValue(json)) CliJson.Write(stdout, result);
            else WriteSummary(stdout, result);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>The estimate as a table (MiB/GiB) with the total and the device's capacity where
    /// known, and the total with gradient checkpointing switched the other way for planning; or one
    /// JSON document.</summary>
    private static void WriteEstimate(TextWriter output, TrialSpec spec, bool json)
    {
        var setup = TrainingSetup.Of(spec, LlamaCheckpoint.LoadConfig(spec.BaseModel));
        var estimate = MemoryEstimate.For(setup);
        // The other choice of gradient checkpointing, for planning.
        var other = MemoryEstimate.For(setup with { GradientCheckpointing = !setup.GradientCheckpointing });
        var (checkpointed, unCheckpointed) = setup.GradientCheckpointing ? (estimate, other) : (other, estimate);
        var capacity = DeviceMemory.Capacity(spec.Device);
        if (json)
        {
            CliJson.Write(output, new
            {
                Device = spec.Device,
                Components = estimate.Components.ToDictionary(c => c.Name, c => c.Bytes),
                TotalBytes = estimate.Total,
                GradientCheckpointing = setup.GradientCheckpointing,
                GradientCheckpointingTotalBytes = checkpointed.Total,
                WithoutGradientCheckpointingTotalBytes = unCheckpointed.Total,
                CapacityBytes = capacity,
                Fits = capacity is { } c ? estimate.Total <= c : (bool?)null,
            });
            return;
        }
        output.WriteLine($"{spec.Method}{(setup.Method.UsesAdapters() ? $" r={spec.Rank}" : "")} on {spec.Device} ({(setup.Bfloat16 ? "bfloat16" : "float32")}), batch {setup.BatchSize} × {setup.SequenceLength} tokens: " +
                         $"{estimate.TrainableParameters:N0} of {estimate.TotalParameters:N0} parameters train");
        foreach (var (name, bytes) in estimate.Components)
            output.WriteLine($"  {name,-26} {MemoryCheck.Format(bytes),12}");
        output.WriteLine($"  {"total",-26} {MemoryCheck.Format(estimate.Total),12}");
        output.WriteLine(setup.GradientCheckpointing
            ? $"  {"without gradient checkpt.",-26} {MemoryCheck.Format(unCheckpointed.Total),12}  (the total above has --gradient-checkpointing)"
            : $"  {"with gradient checkpointing",-26} {MemoryCheck.Format(checkpointed.Total),12}  (--gradient-checkpointing)");
        output.WriteLine(capacity is { } available
            ? $"  {(spec.Device == "cpu" ? "capacity (MemTotal)" : "capacity (nvidia-smi)"),-26} {MemoryCheck.Format(available),12}  {(estimate.Total <= available ? "fits" : "DOES NOT FIT: the trial would be refused")}"
            : $"  {"capacity",-26} {"unknown",12}  (no nvidia-smi answer for this device, or a MIG slice; the trial is not checked)");
    }

    private static void WriteSummary(TextWriter output, TrialResult r)
    {
        output.WriteLine($"{r.Method} r={r.Rank}: {r.TrainableParameters:N0} of {r.TotalParameters:N0} parameters trained, {r.Steps} steps in {r.TrainSeconds:F1}s ({r.TokensPerSecond / 1000:F1}k tok/s)");
        output.WriteLine($"  train loss  {r.TrainLossFirst:F4} -> {r.TrainLossFinal:F4}");
        var displacement = r.InitDeltaRatio is { } ratio ? $" (‖s·B·A₀‖/‖W‖ {ratio:F3})" : "";
        output.WriteLine($"  eval loss   {r.EvalLossBase:F4} base, {r.EvalLossInit ?? r.EvalLossBase:F4} at the start{displacement}, {r.EvalLossAfter:F4} after training");
        output.WriteLine($"  model       {r.ModelDir}");
        output.WriteLine($"  predictions {r.Predictions}");
    }
}
