using System.CommandLine;
using Cora.Training.Lora;
using Cora.Training.Model;
using Cora.Training.Tokenizers;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora model merge --base DIR --adapter DIR --out DIR</c>: folds a PEFT LoRA adapter into its
/// base (W + s·B·A) and writes a plain Hugging Face checkpoint, stored in the base's dtype, with
/// the base's tokenizer. The result can be a source model for <c>cora basis extract</c>.
/// </summary>
public static class ModelMergeCommand
{
    public static Command Create()
    {
        var baseModel = new Option<string>("--base") { Description = "Base checkpoint directory", Required = true };
        var adapter = new Option<string>("--adapter") { Description = "PEFT adapter directory", Required = true };
        var output = new Option<string>("--out") { Description = "Directory for the merged checkpoint", Required = true };
        var command = new Command("merge", "Fold a LoRA adapter into its base and write a full checkpoint") { baseModel, adapter, output };
        command.SetAction(parse =>
        {
            var basePath = parse.GetValue(baseModel)!;
            var outPath = parse.GetValue(output)!;
            using var model = PeftAdapter.LoadModel(basePath, parse.GetValue(adapter));
            var merged = LoraInjector.MergeAndUnload(model);
            LlamaCheckpoint.Save(model, outPath, LlamaCheckpoint.Dtype(model.Config.TorchDtype));
            TokenizerLoader.CopyFiles(basePath, outPath);
            parse.InvocationConfiguration.Output.WriteLine($"merged {merged} adapted projections into {outPath}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
