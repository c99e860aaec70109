using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Operators;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

public sealed class ChosenRootLegSignerTests
{
    private static readonly EvmKey Key = EvmKey.FromHex("0x" + new string('1', 64));
    private static readonly Bytes32 Chosen = Bytes32.FromUInt64(0xA);
    private static readonly Bytes32 Followed = Bytes32.FromUInt64(0xB);

    private static LegChunkToSign Chunk(ulong epochId, Bytes32 root) => new(
        new ChainId(31337), EvmAddress.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"), epochId, 0, root,
        [new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(1), Bytes32.FromUInt64(0xA), Bytes32.FromUInt64(0xE1), 990_000)], SignerSetVersion: 1);

    [Fact]
    public async Task SignAsync_ChunkOfTheChosenRoot_SignsWithTheOwnKey()
    {
        var store = new InMemoryNodeStore();
        await store.ChooseRootOnceAsync(7, Chosen, CancellationToken.None);
        var chunk = Chunk(7, Chosen);

        var signature = await new ChosenRootLegSigner(new LocalLegSigner(Key), store).SignAsync(chunk, CancellationToken.None);

        Assert.Equal(Key.Address, EvmAddress.FromPublicKey(Secp256k1.Recover(chunk.Digest().ToArray(), signature)));
    }

    [Fact]
    public async Task SignAsync_ChunkOfAnotherRootOrAnEpochWithoutChoice_IsUnavailableAndChoosesNothing()
    {
        var store = new InMemoryNodeStore();
        await store.ChooseRootOnceAsync(7, Chosen, CancellationToken.None);
        var signer = new ChosenRootLegSigner(new LocalLegSigner(Key), store);

        var followed = await Assert.ThrowsAsync<LegSignatureUnavailableException>(() => signer.SignAsync(Chunk(7, Followed), CancellationToken.None));
        Assert.Contains(Chosen.ToString(), followed.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<LegSignatureUnavailableException>(() => signer.SignAsync(Chunk(8, Followed), CancellationToken.None));
        Assert.Null(await store.ChosenRootAsync(8, CancellationToken.None));
    }
}
