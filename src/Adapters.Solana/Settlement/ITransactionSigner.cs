using DiscreteExec.Adapters.Solana.Codec;

namespace DiscreteExec.Adapters.Solana.Settlement;

/// <summary>Signs serialized Solana messages for one key (a local key now; a KMS or a co-signer later).</summary>
public interface ITransactionSigner
{
    Bytes32 PublicKey { get; }

    /// <summary>The 64-byte Ed25519 signature of <paramref name="message"/>.</summary>
    ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);
}

/// <summary>A signer over an in-memory key pair.</summary>
public sealed class LocalKeypairSigner(SolanaKeypair keypair) : ITransactionSigner
{
    private readonly SolanaKeypair _keypair = keypair ?? throw new ArgumentNullException(nameof(keypair));

    public Bytes32 PublicKey => _keypair.PublicKey;

    public ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_keypair.Sign(message.Span));
}
