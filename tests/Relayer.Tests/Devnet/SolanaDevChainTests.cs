using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Tests.Devnet;

/// <summary>
/// The Solana dev chain's v2 set-up and the attacker helpers the lead's end-to-end scenario stages with: a depositor
/// whose refund becomes undeliverable (its associated token account handed to another owner) and a refundExpired
/// attempt after a clock warp. Real dev node; no anvil.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SolanaDevChainTests
{
    [Fact]
    public async Task Attacker_RefundToReassignedAccountBecomesClaim_ReleasedIntentNotRefundableAfterWarp()
    {
        var root = FindRoot();
        var solana = Path.Combine(root, "programs", "solana");
        var tools = new DevnetPrerequisites(root, "", Path.Combine(solana, "devnode", "server.js"), Path.Combine(solana, "build", "escrow.so"), "");
        using var http = new HttpClient();
        await using var chain = await SolanaDevChain.StartAsync(tools, http, new ChainId(31337), TimeProvider.System, default);
        var config = EscrowConfig.Decode((await chain.Rpc.GetAccountInfoAsync(chain.Escrow.Config, Adapters.Solana.Rpc.Commitment.Confirmed, default))!.Data);
        Assert.Equal((SolanaDevChain.GraceSeconds, SolanaDevChain.ActivationDelaySeconds, (byte)2), (config.RefundGraceSeconds, config.ActivationDelaySeconds, config.Version));

        var attacker = await chain.NewUserAsync(5_000_000, default);
        var deadline = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600;
        OpenIntentParams Params() => new(chain.Mint, 1_000_000, new ChainId(31337), Bytes32.FromUInt64(1), 1, Bytes32.FromUInt64(2), deadline);
        var good = await chain.OpenAsync(attacker, Params(), default);
        var poisoned = await chain.OpenAsync(attacker, Params(), default);
        var submitter = chain.CreateSubmitter();
        var root32 = Bytes32.FromUInt64(9);

        var released = await submitter.SubmitAsync(new SettlementChunk(SolanaDevChain.Chain, 1, 0, root32, ChunkStage.Release,
            [new SettlementAction(ActionKind.Release, good, chain.Mint, Bytes32.Zero, UInt256.Zero)]), default);
        await chain.MakeUndeliverableAsync(attacker, default);
        var refunded = await submitter.SubmitAsync(new SettlementChunk(SolanaDevChain.Chain, 1, 1, root32, ChunkStage.Transfer,
            [new SettlementAction(ActionKind.Refund, poisoned, chain.Mint, attacker.PublicKey, 1_000_000)]), default);

        Assert.Equal((ChunkSubmissionOutcome.Applied, ChunkSubmissionOutcome.Applied), (released.Outcome, refunded.Outcome));
        Assert.Equal(1_000_000ul, await chain.ClaimAsync(attacker.PublicKey, default));
        Assert.Equal(EscrowIntentStatus.Refunded, await chain.IntentStatusAsync(poisoned, default));
        await chain.WarpClockAsync(deadline + (long)SolanaDevChain.GraceSeconds + 1, default);
        Assert.Equal("IntentNotOpen", await chain.TryRefundExpiredAsync(attacker, good, default));
        Assert.Equal(EscrowIntentStatus.Released, await chain.IntentStatusAsync(good, default));
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
