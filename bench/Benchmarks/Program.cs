using BenchmarkDotNet.Running;
using DiscreteExec.Benchmarks.Core;

BenchmarkSwitcher.FromAssembly(typeof(HashingBenchmarks).Assembly).Run(args);
