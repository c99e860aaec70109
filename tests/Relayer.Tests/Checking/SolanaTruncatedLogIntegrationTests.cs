using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Checking;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Tests.Checking;

/// <summary>
/// The chain check on the real Solana dev node when a payout chunk's log is cut as a validator cuts it past its limit:
/// one chunk pays many fresh recipients (each needs its token account created in the same transaction), the node keeps
/// only the first lines, and the Solana reader must still count every payout and the chunk (from the paid markers, the
/// receipt and the inner transfers) so the check passes with 0 violations.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SolanaTruncatedLogIntegrationTests
{
    private static readonly ChainId Evm = new(31337);

    [Fact]
    public async Task ReadAsync_PayoutChunkWithTruncatedLog_EveryPayoutCountedNoViolation()
    {
        var root = FindRoot();
        var solana = Path.Combine(root, "programs", "solana");
        var tools = new DevnetPrerequisites(root, "", Path.Combine(solana, "devnode", "server.js"), Path.Combine(solana, "build", "escrow.so"), "");
        using var http = new HttpClient();
        await using var chain = await SolanaDevChain.StartAsync(tools, http, Evm, TimeProvider.System, default);
        const int Payouts = 7;
        const ulong Amount = 1_000;
        await chain.FundPoolAsync(Payouts * Amount * 2, default);

        var intents = Enumerable.Range(0, Payouts).Select(i => new Intent
        {
            IntentId = Bytes32.FromUInt64(0x1000 + (ulong)i),
            OriginChainId = Evm,
            DepositNonce = (ulong)i,
            Depositor = Bytes32.FromUInt64(0xD0),
            InputToken = Bytes32.FromUInt64(0xE0),
            InputAmount = Amount,
            DestinationChainId = SolanaDevChain.Chain,
            OutputToken = chain.Mint,
            MinOutputAmount = Amount,
            Recipient = chain.NewWallet(),
            FillDeadline = ulong.MaxValue / 2,
        }).ToArray();

        // 7 Payouts in one v0 transaction (through a lookup table), each creating its recipient's token account: the
        // associated token program's lines push the log past the 10 KB a validator (and the dev node) keeps.
        chain.Cluster.Options.LookupTable = SolanaClusterOptions.AutoLookupTable;
        chain.Cluster.Options.MaxTransfersPerChunk = Payouts;
        var applied = await chain.CreateSubmitter().SubmitAsync(new SettlementChunk(SolanaDevChain.Chain, 1, 0, Bytes32.FromUInt64(7), ChunkStage.Transfer,
            [.. intents.Select(i => new SettlementAction(ActionKind.Payout, i.IntentId, chain.Mint, i.Recipient, Amount))]), default);
        Assert.Equal(ChunkSubmissionOutcome.Applied, applied.Outcome);
        Assert.Equal("Log truncated", (await chain.Rpc.GetTransactionAsync(applied.TransactionId!, Commitment.Confirmed, default))!.LogMessages[^1]);

        var solanaHistory = await new SolanaHistoryReader(chain.Rpc, chain.Cluster.Options).ReadAsync(default);
        var evmHistory = new EscrowHistory(Evm, ChainKind.Evm, 0, SolanaDevChain.GraceSeconds,
            [.. intents.SelectMany<Intent, EscrowRecord>(i => [new IntentOpenedRecord("evm:open", i), new IntentReleasedRecord("evm:release", i.IntentId, 1)])], []);
        var report = ChainChecker.Check(new ChainHistory([evmHistory, solanaHistory], Drained: true));

        Assert.Empty(report.Violations);
        Assert.Equal(Payouts, report.Chains.Single(c => c.ChainId == SolanaDevChain.Chain).Payouts);
        var recovered = solanaHistory.Records.Where(r => r.Location.Contains("(log truncated)", StringComparison.Ordinal)).ToArray();
        Assert.Contains(recovered, r => r is LegAppliedRecord { EpochId: 1, Chunk: 0 } leg && leg.BatchRoot == Bytes32.FromUInt64(7)); // the root from the receipt account
        Assert.Contains(recovered, r => r is PayoutRecord);
        Assert.All(intents, i => Assert.Single(solanaHistory.Records, r => r is PayoutRecord p && p.SourceIntentId == i.IntentId && p.Recipient == i.Recipient && p.Amount == Amount && p.EpochId == 1));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DiscreteExec.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DiscreteExec.sln not found above the test binaries.");
    }
}
