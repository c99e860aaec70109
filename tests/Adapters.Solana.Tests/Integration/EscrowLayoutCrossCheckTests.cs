using System.Diagnostics;
using System.Text.Json;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>
/// Real bytes from the running program (an IntentOpened log line, config, pool, intent and receipt accounts) decoded
/// both here and by the program's own JS decoders (programs/solana/client/escrow.js, run with node).
/// </summary>
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class EscrowLayoutCrossCheckTests(DevnodeFixture node)
{
    private const string Script = """
        import { readFileSync } from "node:fs";
        const e = await import(process.argv[1]);
        const input = JSON.parse(readFileSync(0, "utf8"));
        const bytes = (b64) => Uint8Array.from(Buffer.from(b64, "base64"));
        const out = { event: e.decodeEvent(input.event), config: e.decodeConfig(bytes(input.config)), pool: e.decodePool(bytes(input.pool)),
          intent: e.decodeIntent(bytes(input.intent)), receipt: e.decodeReceipt(bytes(input.receipt)) };
        console.log(JSON.stringify(out, (k, v) => typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
        """;

    [Fact]
    public async Task Decoders_RealProgramBytes_AgreeWithProgramJsDecoders()
    {
        using var user = DevnodeFixture.Key("layout-user");
        await node.FundSolAsync(user.PublicKey);
        await node.MintToAsync(user.PublicKey, 10_000_000);
        var p = new OpenIntentParams(node.Mint, 4_321_000, DevnodeFixture.EvmChain, Bytes32.FromUInt64(0xabc), UInt256.Parse("99999999999999999999999"), Bytes32.FromUInt64(0xdef), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 999);
        var (nonce, signature) = await node.OpenAsync(user, p);
        var logs = (await node.Rpc.GetTransactionAsync(signature, Commitment.Confirmed, default))!.LogMessages;
        var eventLine = Assert.Single(EscrowEventDecoder.ProgramDataLines(logs, node.Escrow.ProgramId));
        var id = Core.Intents.IntentId.Compute(new ChainId(DevnodeFixture.ChainIdValue), node.Escrow.ProgramId, nonce);
        var scenario = await LegScenario.CreateAsync(node, "layout", epoch: 401, releases: 0, refunds: 0, payouts: 1);
        await LegScenario.SubmitLegAsync(new ChunkSubmitter(node.Rpc, node.Options(), new LocalKeypairSigner(node.Signers[0]), [new LocalKeypairSigner(node.Signers[0]), new LocalKeypairSigner(node.Signers[1])]), scenario.Leg);

        async Task<byte[]> Data(Bytes32 address) => (await node.Rpc.GetAccountInfoAsync(address, Commitment.Confirmed, default))!.Data;
        var config = await Data(node.Escrow.Config);
        var pool = await Data(node.Escrow.PoolAddress(node.Mint));
        var intent = await Data(node.Escrow.IntentAddress(id));
        var receipt = await Data(node.Escrow.ReceiptAddress(401, 0));
        using var js = await RunNodeAsync(new
        {
            @event = eventLine,
            config = Convert.ToBase64String(config),
            pool = Convert.ToBase64String(pool),
            intent = Convert.ToBase64String(intent),
            receipt = Convert.ToBase64String(receipt),
        });
        var root = js.RootElement;

        var opened = (IntentOpenedEvent)EscrowEventDecoder.DecodeBase64(eventLine);
        var ev = root.GetProperty("event");
        Assert.Equal("IntentOpened", ev.GetProperty("name").GetString());
        Assert.Equal(Hex(opened.IntentId), ev.GetProperty("intentId").GetString());
        Assert.Equal(opened.Nonce.ToString(), ev.GetProperty("nonce").GetString());
        Assert.Equal(Base58.EncodeKey(opened.Depositor), ev.GetProperty("depositor").GetString());
        Assert.Equal(Base58.EncodeKey(opened.InputMint), ev.GetProperty("inputMint").GetString());
        Assert.Equal(opened.InputAmount.ToString(), ev.GetProperty("inputAmount").GetString());
        Assert.Equal(opened.DestinationChainId.ToString(), ev.GetProperty("destinationChainId").GetString());
        Assert.Equal(Hex(opened.OutputToken), ev.GetProperty("outputToken").GetString());
        Assert.Equal(Convert.ToHexString(Be(opened.MinOutputAmount)).ToLowerInvariant(), ev.GetProperty("minOutputAmount").GetString());
        Assert.Equal(Hex(opened.Recipient), ev.GetProperty("recipient").GetString());
        Assert.Equal(opened.FillDeadline.ToString(), ev.GetProperty("fillDeadline").GetString());
        Assert.Equal(opened.OriginChainId.ToString(), ev.GetProperty("originChainId").GetString());
        Assert.Equal((UInt256)4_321_000ul, opened.ToIntent(new ChainId(DevnodeFixture.ChainIdValue), node.Escrow.ProgramId).InputAmount);

        var c = EscrowConfig.Decode(config);
        var jc = root.GetProperty("config");
        Assert.Equal(Base58.EncodeKey(c.Admin), jc.GetProperty("admin").GetString());
        Assert.Equal(c.ChainId.ToString(), jc.GetProperty("chainId").GetString());
        Assert.Equal(c.NextNonce.ToString(), jc.GetProperty("nonce").GetString());
        Assert.Equal(c.Threshold, jc.GetProperty("threshold").GetInt32());
        Assert.Equal(c.Signers.Select(Base58.EncodeKey), jc.GetProperty("signers").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal(c.DestinationChains.Select(d => d.ToString()), jc.GetProperty("destinationChains").EnumerateArray().Select(s => s.GetString()!));
        Assert.Equal(((int)c.Version, c.ActivationDelaySeconds.ToString(), c.SignerSetVersion.ToString(), c.RefundGraceSeconds.ToString()),
            (jc.GetProperty("version").GetInt32(), jc.GetProperty("activationDelaySeconds").GetString(), jc.GetProperty("signerSetVersion").GetString(), jc.GetProperty("graceSeconds").GetString()));
        Assert.Equal((byte)2, c.Version);
        Assert.Equal(DevnodeFixture.ActivationDelaySeconds, c.ActivationDelaySeconds);
        Assert.Equal(JsonValueKind.Null, jc.GetProperty("pendingAdmin").ValueKind);
        Assert.Null(c.PendingAdmin);

        var pl = EscrowPool.Decode(pool);
        var jp = root.GetProperty("pool");
        Assert.Equal((Base58.EncodeKey(pl.Mint), Base58.EncodeKey(pl.Vault), pl.Pool.ToString(), pl.Escrowed.ToString(), pl.Claims.ToString()),
            (jp.GetProperty("mint").GetString(), jp.GetProperty("vault").GetString(), jp.GetProperty("pool").GetString(), jp.GetProperty("escrowed").GetString(), jp.GetProperty("claims").GetString()));

        var it = EscrowIntent.Decode(intent);
        var ji = root.GetProperty("intent");
        Assert.Equal(((int)it.Status, Hex(it.IntentId), it.Nonce.ToString(), Base58.EncodeKey(it.Depositor), it.InputAmount.ToString(), it.FillDeadline.ToString()),
            (ji.GetProperty("status").GetInt32(), ji.GetProperty("intentId").GetString(), ji.GetProperty("nonce").GetString(), ji.GetProperty("depositor").GetString(),
             ji.GetProperty("amount").GetString(), ji.GetProperty("deadline").GetString()));

        var rc = EscrowReceipt.Decode(receipt);
        var jr = root.GetProperty("receipt");
        Assert.Equal((rc.Epoch.ToString(), (int)rc.Chunk, (int)rc.ActionCount, Hex(rc.ChunkHash), Hex(rc.BatchRoot)),
            (jr.GetProperty("epoch").GetString(), jr.GetProperty("chunk").GetInt32(), jr.GetProperty("count").GetInt32(), jr.GetProperty("chunkHash").GetString(), jr.GetProperty("batchRoot").GetString()));
        Assert.Equal(scenario.Leg.BatchRoot, rc.BatchRoot);
    }

    private static string Hex(Bytes32 value) => Convert.ToHexString(value.ToArray()).ToLowerInvariant();

    private static byte[] Be(UInt256 value)
    {
        var b = new byte[32];
        value.WriteBigEndian(b);
        return b;
    }

    private const string ClaimScript = """
        import { readFileSync } from "node:fs";
        const e = await import(process.argv[1]);
        const input = JSON.parse(readFileSync(0, "utf8"));
        const out = { events: input.events.map((l) => e.decodeEvent(l)), claim: e.decodeClaim(Uint8Array.from(Buffer.from(input.claim, "base64"))),
          pool: e.decodePool(Uint8Array.from(Buffer.from(input.pool, "base64"))) };
        console.log(JSON.stringify(out, (k, v) => typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
        """;

    // Issue 9's Solana poison: a depositor hands its associated token account to someone else (SetAuthority
    // AccountOwner), so its refund cannot be delivered. The refund's chunk, shared with an honest payout, still
    // applies: the refund becomes the depositor's claim, which the depositor collects to an account of its choice.
    [Fact]
    public async Task SubmitAsync_RefundToReassignedAccount_ChunkAppliesAsClaim_ClaimEventAndAccountAgreeWithJs_ThenClaimed()
    {
        using var depositor = DevnodeFixture.Key("poison-depositor");
        using var thief = DevnodeFixture.Key("poison-thief");
        using var honest = DevnodeFixture.Key("poison-honest");
        await node.FundSolAsync(depositor.PublicKey, honest.PublicKey);
        var ata = await node.MintToAsync(depositor.PublicKey, 5_000_000);
        var honestAta = await node.MintToAsync(honest.PublicKey, 100);
        await node.SendAsync([node.Escrow.Fund(honest.PublicKey, honestAta, node.Mint, 100)], honest);
        var p = new OpenIntentParams(node.Mint, 1_234_567, DevnodeFixture.EvmChain, Bytes32.FromUInt64(5), 1, Bytes32.FromUInt64(6), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7200);
        var (nonce, _) = await node.OpenAsync(depositor, p);
        var id = Core.Intents.IntentId.Compute(new ChainId(DevnodeFixture.ChainIdValue), node.Escrow.ProgramId, nonce);
        await node.SendAsync([TokenProgram.SetAccountOwner(ata, depositor.PublicKey, thief.PublicKey)], depositor);
        var before = await node.PoolAsync();
        var chunk = new Core.Settlement.SettlementChunk(new ChainId(DevnodeFixture.ChainIdValue), 501, 0, Bytes32.FromUInt64(501), Core.Settlement.ChunkStage.Transfer,
        [
            new(Core.Settlement.ActionKind.Refund, id, node.Mint, depositor.PublicKey, 1_234_567),
            new(Core.Settlement.ActionKind.Payout, Bytes32.FromUInt64(0x501), node.Mint, honest.PublicKey, 7),
        ]);
        var options = node.Options();
        options.MaxTransfersPerChunk = 2; // one mint on this cluster: two transfers fit a transaction
        var submitter = new ChunkSubmitter(node.Rpc, options, new LocalKeypairSigner(node.Signers[0]), [new LocalKeypairSigner(node.Signers[0]), new LocalKeypairSigner(node.Signers[1])]);

        var applied = await submitter.SubmitAsync(chunk, default);

        Assert.Equal(Core.Settlement.ChunkSubmissionOutcome.Applied, applied.Outcome);
        Assert.Equal(7ul, await node.TokenBalanceAsync(ProgramAddress.AssociatedTokenAccount(honest.PublicKey, node.Mint)));
        var claimAddress = node.Escrow.ClaimAddress(depositor.PublicKey, node.Mint);
        var claimData = (await node.Rpc.GetAccountInfoAsync(claimAddress, Commitment.Confirmed, default))!.Data;
        Assert.Equal(new EscrowClaim(depositor.PublicKey, node.Mint, 1_234_567), EscrowClaim.Decode(claimData));
        var after = await node.PoolAsync();
        Assert.Equal(before.Claims + 1_234_567, after.Claims);
        Assert.Equal(EscrowIntentStatus.Refunded, EscrowIntent.Decode((await node.Rpc.GetAccountInfoAsync(node.Escrow.IntentAddress(id), Commitment.Confirmed, default))!.Data).Status);

        var logs = (await node.Rpc.GetTransactionAsync(applied.TransactionId!, Commitment.Confirmed, default))!.LogMessages;
        var lines = EscrowEventDecoder.ProgramDataLines(logs, node.Escrow.ProgramId);
        var events = lines.Select(l => EscrowEventDecoder.DecodeBase64(l)).ToArray();
        var created = Assert.Single(events.OfType<ClaimCreatedEvent>());
        Assert.Equal(new ClaimCreatedEvent(depositor.PublicKey, node.Mint, 1_234_567, 1_234_567, Core.Settlement.ActionKind.Refund, id, 501, ata), created);
        using var js = await RunNodeAsync(new { events = lines, claim = Convert.ToBase64String(claimData), pool = Convert.ToBase64String((await node.Rpc.GetAccountInfoAsync(node.Escrow.PoolAddress(node.Mint), Commitment.Confirmed, default))!.Data) }, ClaimScript);
        var jsCreated = js.RootElement.GetProperty("events").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "ClaimCreated");
        Assert.Equal(
            (Base58.EncodeKey(created.Owner), Base58.EncodeKey(created.Mint), created.Amount.ToString(), created.ClaimTotal.ToString(), (int)created.Kind, Hex(created.IntentId), created.Epoch.ToString(), Base58.EncodeKey(created.Destination)),
            (jsCreated.GetProperty("owner").GetString(), jsCreated.GetProperty("mint").GetString(), jsCreated.GetProperty("amount").GetString(), jsCreated.GetProperty("claimTotal").GetString(),
             jsCreated.GetProperty("kind").GetInt32(), jsCreated.GetProperty("intentId").GetString(), jsCreated.GetProperty("epoch").GetString(), jsCreated.GetProperty("destination").GetString()));
        Assert.Equal("1234567", js.RootElement.GetProperty("claim").GetProperty("amount").GetString());
        Assert.Equal(after.Claims.ToString(), js.RootElement.GetProperty("pool").GetProperty("claims").GetString());

        // The depositor collects its claim to any account of the mint (here the honest user's).
        var claimed = await node.SendAsync([node.Escrow.Claim(depositor.PublicKey, node.Mint, ProgramAddress.AssociatedTokenAccount(honest.PublicKey, node.Mint))], depositor);
        Assert.Equal(7ul + 1_234_567, await node.TokenBalanceAsync(ProgramAddress.AssociatedTokenAccount(honest.PublicKey, node.Mint)));
        var claimedLogs = (await node.Rpc.GetTransactionAsync(claimed, Commitment.Confirmed, default))!.LogMessages;
        Assert.Equal(
            new ClaimedEvent(depositor.PublicKey, node.Mint, ProgramAddress.AssociatedTokenAccount(honest.PublicKey, node.Mint), 1_234_567),
            Assert.Single(EscrowEventDecoder.ProgramDataLines(claimedLogs, node.Escrow.ProgramId).Select(l => EscrowEventDecoder.DecodeBase64(l))));
        Assert.Equal(before.Claims, (await node.PoolAsync()).Claims);
    }

    private async Task<JsonDocument> RunNodeAsync(object input, string script = Script)
    {
        var escrowJs = new Uri(Path.Combine(node.RepoRoot, "programs", "solana", "client", "escrow.js")).AbsoluteUri;
        var start = new ProcessStartInfo("node", ["--input-type=module", "-e", script, escrowJs])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(process.ExitCode == 0, await stderr);
        return JsonDocument.Parse(await stdout);
    }
}
