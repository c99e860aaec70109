using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Relayer.Devnet;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>
/// Many opens per block, sent in JSON-RPC batches while a watcher with no confirmation depth polls: anvil answers
/// a state read at the head block while it mines the next one with the next block's state, so a deposit counter read
/// at the head can be ahead of the logs of that block. Such a nonce is not yet scanned, not missing.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PipelinedOpensIntegrationTests : IClassFixture<EscrowTestbed>
{
    private const int Users = 8;
    private const int Rounds = 40;
    private const ulong OpenGasLimit = 400_000;
    private static readonly EventId RecoveryRefused = new(2010);
    private static readonly EventId IntentRecovered = new(2009);
    private readonly EscrowTestbed _bed;

    public PipelinedOpensIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task Watcher_PipelinedOpensWhileItPollsTheHead_ReportsNoMissingNonceAndObservesEachIntentOnceFromItsLog()
    {
        var users = Enumerable.Range(0, Users).Select(i => EscrowTestbed.Key($"pipelined-user-{i}")).ToArray();
        await _bed.FundAsync(users);
        var amount = (UInt256)1_000_000UL;
        foreach (var user in users)
        {
            await _bed.MintAsync(user.Address, amount * Rounds);
            await _bed.SendAsync(user, _bed.Token, TestTokenAbi.Approve(_bed.Escrow, amount * Rounds));
        }

        var options = _bed.Options(confirmationDepth: 0);
        options.StartBlock = (long)await _bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        var logger = new CollectingLogger();
        var watcher = new EscrowWatcher(_bed.Rpc, options, new InMemoryCheckpointStore(), TimeProvider.System, logger);
        var sink = new CollectingSink();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var polling = Task.Run(() => PollUntilAsync(watcher, sink, Users * Rounds, stop.Token));

        var nonces = new Dictionary<EvmAddress, ulong>();
        foreach (var user in users)
        {
            nonces[user.Address] = await _bed.Rpc.GetTransactionCountAsync(user.Address, BlockTag.Pending, CancellationToken.None);
        }

        var last = new List<Bytes32>();
        for (var round = 0; round < Rounds; round++)
        {
            var signed = users.Select((user, i) => SignOpen(user, nonces, amount, ((ulong)round * Users) + (ulong)i)).ToArray();
            await _bed.Rpc.BatchAsync([.. signed.Select(s => new RpcRequest("eth_sendRawTransaction", [Hex.Encode(s.Raw)]))], CancellationToken.None);
            last = [.. signed.Select(s => s.Hash)];
        }

        await polling;
        foreach (var hash in last)
        {
            Assert.True((await _bed.Rpc.GetTransactionReceiptAsync(hash, CancellationToken.None))!.Succeeded);
        }

        var blocks = sink.Observed.GroupBy(o => o.Position.BlockNumber).ToArray();
        Assert.Contains(blocks, b => b.Count() > 1);
        Assert.Equal(Users * Rounds, sink.Observed.Select(o => o.Intent.DepositNonce).Distinct().Count());
        Assert.All(sink.Observed, o => Assert.Null(o.RecoveredBecause));
        Assert.Empty(logger.Entries.Where(e => e.Id == RecoveryRefused || e.Id == IntentRecovered).Select(e => e.Message));
    }

    private SignedTransaction SignOpen(EvmKey user, Dictionary<EvmAddress, ulong> nonces, UInt256 amount, ulong salt)
    {
        var p = new IntentParams(
            _bed.Token,
            amount,
            new ChainId(EscrowTestbed.Destination),
            Keccak256.Hash(BitConverter.GetBytes(salt)),
            amount / 2,
            user.Address.ToBytes32(),
            4_000_000_000UL + salt);
        var nonce = nonces[user.Address]++;
        return new Eip1559Transaction
        {
            ChainId = AnvilProcess.ChainId,
            Nonce = nonce,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 50_000_000_000,
            GasLimit = OpenGasLimit,
            To = _bed.Escrow,
            Data = IntentEscrowAbi.Open(p),
        }.Sign(user);
    }

    /// <summary>Polls back to back (no delay: as often as the head can change) until the sink holds <paramref name="count"/> intents.</summary>
    private static async Task PollUntilAsync(EscrowWatcher watcher, CollectingSink sink, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            await watcher.PollOnceAsync(sink, cancellationToken);
            if (sink.Observed.Count >= count)
            {
                return;
            }
        }
    }

    private sealed class CollectingLogger : ILogger<EscrowWatcher>
    {
        private readonly Lock _gate = new();
        private readonly List<(EventId Id, string Message)> _entries = [];

        public IReadOnlyList<(EventId Id, string Message)> Entries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _entries.Add((eventId, formatter(state, exception)));
            }
        }
    }
}
