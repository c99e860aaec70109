using BenchmarkDotNet.Attributes;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Benchmarks.Core;

/// <summary>Keccak-256 of a settlement leaf preimage and of a Merkle pair; a Merkle root over many leaves.</summary>
[MemoryDiagnoser]
public class HashingBenchmarks
{
    private readonly byte[] _leafPreimage = new byte[SettlementLeaf.EncodedLength];
    private readonly byte[] _pair = new byte[64];
    private Bytes32[] _leaves = [];

    [Params(100_000)]
    public int LeafCount { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        new Random(7).NextBytes(_leafPreimage);
        _leaves = [.. Enumerable.Range(0, LeafCount).Select(i => Keccak256.Hash(BitConverter.GetBytes(i)))];
    }

    [Benchmark(Baseline = true)]
    public Bytes32 KeccakOfMerklePair() => Keccak256.Hash(_pair);

    [Benchmark]
    public Bytes32 KeccakOfLeafPreimage() => Keccak256.Hash(_leafPreimage);

    [Benchmark]
    public Bytes32 MerkleRoot() => MerkleTree.Root(_leaves);
}
