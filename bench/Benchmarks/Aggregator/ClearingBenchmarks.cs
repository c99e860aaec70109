using BenchmarkDotNet.Attributes;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Bench;

namespace DiscreteExec.Benchmarks.Aggregator;

/// <summary>
/// Clearing a synthetic epoch against the floor (sort the intents, hash two leaves each into a Merkle root).
/// The CLI's `bench clearing` gives the same comparison at 1M intents with peak memory per run.
/// </summary>
[MemoryDiagnoser]
public class ClearingBenchmarks
{
    private EpochInput _epoch = null!;

    [Params(10_000, 100_000)]
    public int Intents { get; set; }

    [GlobalSetup]
    public void Setup() => _epoch = SyntheticEpoch.Create(Intents);

    [Benchmark(Baseline = true)]
    public Bytes32 Floor() => ClearingFloor.Compute(_epoch);

    [Benchmark]
    public Bytes32 Clear() => EpochClearing.Clear(_epoch).BatchRoot;
}
