using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>The escrow state's highest applied epoch, read from LegApplied logs on a real anvil (its own, fresh escrow).</summary>
[Trait("Category", "Integration")]
public sealed class HighestAppliedEpochIntegrationTests : IClassFixture<EscrowTestbed>
{
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private readonly EscrowTestbed _bed;

    public HighestAppliedEpochIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task HighestAppliedEpoch_ChunksOfEpochs9Then4AcrossSmallLogWindows_Reports9()
    {
        // Windows of 2 blocks: the logs come from several eth_getLogs calls, and the later chunk has the lower epoch.
        var options = _bed.Options();
        options.MaxBlockRange = 2;
        var state = new EscrowState(_bed.Rpc, options);
        Assert.Equal(0UL, await state.HighestAppliedEpochAsync(CancellationToken.None));

        await _bed.FundPoolAsync(1_000_000);
        using var sender = _bed.CreateSender();
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, _bed.Signers.Select(k => (ILegSigner)new LocalLegSigner(k)), options, NullLogger<ChunkSubmitter>.Instance);
        foreach (var epoch in new ulong[] { 9, 4 })
        {
            var payout = new SettlementAction(ActionKind.Payout, Keccak256.Hash(BitConverter.GetBytes(epoch)), _bed.Token.ToBytes32(), EvmAddress.FromPublicKey(EscrowTestbed.Key("applied-payee").PublicKey).ToBytes32(), 10);
            var result = await submitter.SubmitAsync(TestChunks.Single(Chain, epoch, [payout]), CancellationToken.None);
            Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
            await _bed.MineAsync(3);
        }

        Assert.Equal(9UL, await state.HighestAppliedEpochAsync(CancellationToken.None));
    }
}
