using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

[CollectionDefinition(Name)]
public sealed class DevnodeTests : ICollectionFixture<DevnodeFixture>
{
    public const string Name = "Solana dev node";
}

/// <summary>
/// Starts <c>programs/solana/devnode/server.js</c> on a free 127.0.0.1 port with the escrow preloaded, initializes
/// the escrow (admin, three signers, threshold 2, chain 900001, destination 31337) and creates a mint with a pool.
/// A missing <c>npm ci</c> or <c>.so</c> fails the tests with the command to run; it never skips them.
/// </summary>
public sealed class DevnodeFixture : IAsyncLifetime
{
    public const ulong ChainIdValue = 900001;
    public const ulong GraceSeconds = 3600, ActivationDelaySeconds = 3600;
    public static readonly ChainId EvmChain = new(31337);
    private Process? _node;

    public string RepoRoot { get; } = FindRepoRoot();

    public Uri RpcUrl { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public SolanaRpcClient Rpc { get; private set; } = null!;

    public EscrowProgram Escrow { get; private set; } = null!;

    public SolanaKeypair Admin { get; } = Key("admin");

    public IReadOnlyList<SolanaKeypair> Signers { get; } = [Key("signer-1"), Key("signer-2"), Key("signer-3")];

    public SolanaKeypair MintAuthority { get; } = Key("mint-authority");

    public Bytes32 Mint { get; private set; }

    public SolanaClusterOptions Options(Uri? rpcUrl = null) => new()
    {
        Rpc = new() { Url = rpcUrl ?? RpcUrl, AttemptTimeout = TimeSpan.FromSeconds(5), RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxRetryAttempts = 10 },
        ChainId = ChainIdValue,
        ProgramId = Base58.EncodeKey(Escrow.ProgramId),
        Commitment = Commitment.Confirmed,
        PollInterval = TimeSpan.FromMilliseconds(100),
        ConfirmPollInterval = TimeSpan.FromMilliseconds(50),
        ComputeUnitPrice = 1,
    };

    public async Task InitializeAsync()
    {
        var devnode = Path.Combine(RepoRoot, "programs", "solana", "devnode", "server.js");
        var so = Path.Combine(RepoRoot, "programs", "solana", "build", "escrow.so");
        if (!Directory.Exists(Path.Combine(RepoRoot, "programs", "solana", "node_modules", "litesvm")))
        {
            throw new InvalidOperationException("The Solana dev node's packages are missing: run `npm ci --prefix programs/solana` from the repository root.");
        }

        if (!File.Exists(so))
        {
            throw new InvalidOperationException($"The escrow program is not built ({so} missing): run `bash programs/solana/build.sh`.");
        }

        var port = FreePort();
        var start = new ProcessStartInfo("node", [devnode, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--slot-ms", "100"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("Node.js is needed for the Solana dev node: `node` is not on PATH (install Node 20).", ex);
        }

        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new System.Text.StringBuilder();
        _node.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("devnode listening on", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult(e.Data);
            }
        };
        _node.ErrorDataReceived += (_, e) => stderr.AppendLine(e.Data);
        _node.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"The dev node exited: {stderr}"));
        _node.EnableRaisingEvents = true;
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        var line = await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var programId = line[(line.IndexOf("program=", StringComparison.Ordinal) + 8)..].Trim();
        RpcUrl = new Uri($"http://127.0.0.1:{port}");
        Escrow = new EscrowProgram(Base58.DecodeKey(programId));
        Rpc = new SolanaRpcClient(Http, Options());
        await SetUpEscrowAsync();
    }

    public Task DisposeAsync()
    {
        if (_node is { HasExited: false })
        {
            _node.Kill();
            _node.WaitForExit(5000);
        }

        _node?.Dispose();
        Http.Dispose();
        return Task.CompletedTask;
    }

    public static SolanaKeypair Key(string label) =>
        SolanaKeypair.FromSeed(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("discreteexec-test-" + label)));

    /// <summary>Signs with every given key (the first pays), sends, and waits until confirmed; throws on failure.</summary>
    public async Task<string> SendAsync(IReadOnlyList<Instruction> instructions, params SolanaKeypair[] signers)
    {
        var blockhash = await Rpc.GetLatestBlockhashAsync(Commitment.Confirmed, default);
        var tx = Transaction.Sign(MessageCompiler.Compile(signers[0].PublicKey, instructions, blockhash.Blockhash), signers);
        var signature = await Rpc.SendTransactionAsync(tx.Serialize(), new SendOptions(), default);
        await WaitAsync(signature);
        return signature;
    }

    public async Task WaitAsync(string signature)
    {
        for (var i = 0; i < 200; i++)
        {
            var status = (await Rpc.GetSignatureStatusesAsync([signature], default))[0];
            if (status?.Error is { } error)
            {
                throw new InvalidOperationException($"{signature} failed: {error}");
            }

            if (status?.ConfirmationStatus >= Commitment.Confirmed)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{signature} not confirmed.");
    }

    public async Task FundSolAsync(params Bytes32[] accounts)
    {
        foreach (var account in accounts)
        {
            await WaitAsync((await Rpc.RequestAsync("requestAirdrop", [Base58.EncodeKey(account), 10_000_000_000UL], default)).GetString()!);
        }
    }

    /// <summary>Creates <paramref name="owner"/>'s associated token account for the test mint and mints <paramref name="amount"/> to it.</summary>
    public async Task<Bytes32> MintToAsync(Bytes32 owner, ulong amount)
    {
        var ata = ProgramAddress.AssociatedTokenAccount(owner, Mint);
        await SendAsync(
            [AssociatedTokenProgram.CreateIdempotent(MintAuthority.PublicKey, owner, Mint), TokenProgram.MintTo(Mint, ata, MintAuthority.PublicKey, amount)],
            MintAuthority);
        return ata;
    }

    public async Task<ulong> TokenBalanceAsync(Bytes32 tokenAccount)
    {
        var account = await Rpc.GetAccountInfoAsync(tokenAccount, Commitment.Confirmed, default);
        return account is null ? 0 : TokenProgram.ReadAmount(account.Data);
    }

    public async Task<EscrowConfig> ConfigAsync() =>
        EscrowConfig.Decode((await Rpc.GetAccountInfoAsync(Escrow.Config, Commitment.Confirmed, default))!.Data);

    public async Task<EscrowPool> PoolAsync() =>
        EscrowPool.Decode((await Rpc.GetAccountInfoAsync(Escrow.PoolAddress(Mint), Commitment.Confirmed, default))!.Data);

    /// <summary>Opens an intent for <paramref name="user"/> (who must hold test tokens) and returns its nonce.</summary>
    public async Task<(ulong Nonce, string Signature)> OpenAsync(SolanaKeypair user, OpenIntentParams intent)
    {
        // Opens are serialized by the test collection, so the nonce read here is the one the program assigns.
        var nonce = (await ConfigAsync()).NextNonce;
        var source = ProgramAddress.AssociatedTokenAccount(user.PublicKey, intent.InputMint);
        var signature = await SendAsync([Escrow.Open(user.PublicKey, source, intent, new ChainId(ChainIdValue), nonce)], user);
        return (nonce, signature);
    }

    private async Task SetUpEscrowAsync()
    {
        await FundSolAsync(Admin.PublicKey, MintAuthority.PublicKey, Signers[0].PublicKey);
        await SendAsync(
            [
                Escrow.Initialize(Admin.PublicKey, new ChainId(ChainIdValue), GraceSeconds, ActivationDelaySeconds, 2, [.. Signers.Select(s => s.PublicKey)]),
                Escrow.SetDestinationChain(Admin.PublicKey, EvmChain, true),
            ],
            Admin);
        using var mint = Key("mint");
        Mint = mint.PublicKey;
        var rent = await Rpc.GetMinimumBalanceForRentExemptionAsync(TokenProgram.MintSize, default);
        await SendAsync(
            [
                SystemProgram.CreateAccount(MintAuthority.PublicKey, Mint, rent, TokenProgram.MintSize, WellKnown.TokenProgram),
                TokenProgram.InitializeMint2(Mint, 6, MintAuthority.PublicKey),
            ],
            MintAuthority,
            mint);
        await SendAsync([Escrow.CreatePool(Admin.PublicKey, Mint)], Admin); // only the admin registers mints
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepoRoot()
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
