using Cora.Benchmarks;

// cora-bench COMMAND [--quick] [options]: one benchmark per command; see bench/README.md.
return await BenchCommands.RunAsync(args);
