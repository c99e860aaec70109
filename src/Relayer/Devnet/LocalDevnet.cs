using DiscreteExec.Adapters.Evm;
using DiscreteExec.Core;
using System.Globalization;
using DiscreteExec.Adapters.Solana.Codec;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>Both local chains, started and set up together and shut down together (also after a failed start).</summary>
internal sealed class LocalDevnet : IAsyncDisposable
{
    private readonly HttpClient _http;

    private LocalDevnet(HttpClient http, EvmDevChain evm, SolanaDevChain solana)
    {
        _http = http;
        Evm = evm;
        Solana = solana;
    }

    public EvmDevChain Evm { get; }

    public SolanaDevChain Solana { get; }

    public static async Task<LocalDevnet> StartAsync(TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        var tools = DevnetPrerequisites.Locate();
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        EvmDevChain? evm = null;
        try
        {
            DevnetLog.Line(log, $"starting anvil (chain {EvmDevChain.ChainIdValue}) and the Solana dev node (chain {SolanaDevChain.ChainIdValue}) on free 127.0.0.1 ports");

            // Both start in parallel; if one fails, the other is still shut down.
            var evmStart = EvmDevChain.StartAsync(tools, http, SolanaDevChain.Chain, time, cancellationToken);
            var solanaStart = SolanaDevChain.StartAsync(tools, http, EvmDevChain.Chain, time, cancellationToken);
            try
            {
                await Task.WhenAll(evmStart, solanaStart).ConfigureAwait(false);
            }
            catch
            {
                await DisposeStartedAsync(evmStart).ConfigureAwait(false);
                await DisposeStartedAsync(solanaStart).ConfigureAwait(false);
                throw;
            }

            evm = evmStart.Result;
            var solana = solanaStart.Result;
            Describe(log, evm, solana);
            return new LocalDevnet(http, evm, solana);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Deploys both escrows (as <see cref="StartAsync"/> does) into chains that already run: anvil at
    /// <paramref name="evmRpc"/> and the Solana dev node at <paramref name="solanaRpc"/> with the escrow program
    /// <paramref name="solanaProgramId"/> loaded. <paramref name="evmArtifacts"/>: the compiled contracts' directory.
    /// </summary>
    public static async Task<LocalDevnet> DeployIntoAsync(Uri evmRpc, Uri solanaRpc, string solanaProgramId, string evmArtifacts, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            DevnetLog.Line(log, $"deploying into anvil at {evmRpc} (chain {EvmDevChain.ChainIdValue}) and the Solana dev node at {solanaRpc} (chain {SolanaDevChain.ChainIdValue})");
            var evm = await EvmDevChain.DeployIntoAsync(evmRpc, evmArtifacts, http, SolanaDevChain.Chain, time, cancellationToken).ConfigureAwait(false);
            var solana = await SolanaDevChain.DeployIntoAsync(solanaRpc, solanaProgramId, http, EvmDevChain.Chain, time, cancellationToken).ConfigureAwait(false);
            Describe(log, evm, solana);
            return new LocalDevnet(http, evm, solana);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>Both chains as a setup left them (escrows deployed, pools registered); nothing is sent.</summary>
    public static LocalDevnet Connect(Uri evmRpc, EvmAddress escrow, EvmAddress token, ulong deploymentBlock, Uri solanaRpc, string solanaProgramId, Bytes32 solanaMint, TimeProvider time)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return new LocalDevnet(
            http,
            EvmDevChain.Connect(evmRpc, http, escrow, token, deploymentBlock, time),
            SolanaDevChain.Connect(solanaRpc, solanaProgramId, solanaMint, http, time));
    }

    public async ValueTask DisposeAsync()
    {
        await Evm.DisposeAsync().ConfigureAwait(false);
        await Solana.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
    }

    private static void Describe(TextWriter log, EvmDevChain evm, SolanaDevChain solana)
    {
        DevnetLog.Line(log, $"anvil            {evm.Url}  chain {EvmDevChain.ChainIdValue}");
        DevnetLog.Line(log, $"  relayer        {evm.Relayer.Address} (anvil's well-known account 0; also the escrow's owner)");
        DevnetLog.Line(log, $"  IntentEscrow   {evm.Escrow}  2-of-3 local-devnet signers {string.Join(", ", evm.Signers.Select(s => s.Address.ToString()))}");
        DevnetLog.Line(log, $"  USDC           {evm.Token}  TestToken, 6 decimals");
        DevnetLog.Line(log, $"solana dev node  {solana.Url}  chain {SolanaDevChain.ChainIdValue}");
        DevnetLog.Line(log, $"  payer/admin    {Base58.EncodeKey(solana.Admin.PublicKey)}");
        DevnetLog.Line(log, $"  escrow program {Base58.EncodeKey(solana.Escrow.ProgramId)}  2-of-3 generated attestors {string.Join(", ", solana.Signers.Select(s => Base58.EncodeKey(s.PublicKey)))}");
        DevnetLog.Line(log, $"  USDC mint      {Base58.EncodeKey(solana.Mint)}  6 decimals, pool {Base58.EncodeKey(solana.Escrow.PoolAddress(solana.Mint))}");
    }

    private static async Task DisposeStartedAsync<T>(Task<T> start)
        where T : IAsyncDisposable
    {
        try
        {
            await (await start.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // It failed to start, so it cleaned up after itself; its error is reported by the caller.
        }
    }
}

/// <summary>The devnet's progress lines: plain text, one per step, "\n"-terminated as the other commands print.</summary>
internal static class DevnetLog
{
    public static void Line(TextWriter log, string text)
    {
        log.Write(text);
        log.Write('\n');
        log.Flush();
    }

    /// <summary>A 6-decimal USDC amount as whole tokens, exactly (e.g. 99.950000).</summary>
    public static string Usdc(UInt256 amount)
    {
        var value = amount.ToBigInteger();
        return string.Create(CultureInfo.InvariantCulture, $"{value / 1_000_000}.{value % 1_000_000:D6}");
    }
}
