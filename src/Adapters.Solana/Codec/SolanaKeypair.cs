using NSec.Cryptography;

namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>An Ed25519 key pair held in memory (libsodium through NSec). Dispose it when done.</summary>
public sealed class SolanaKeypair : IDisposable
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private SolanaKeypair(Key key)
    {
        _key = key;
        PublicKey = new Bytes32(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public Bytes32 PublicKey { get; }

    public string Address => Base58.EncodeKey(PublicKey);

    /// <summary>From the 32-byte secret seed (the first half of a Solana CLI keypair file).</summary>
    public static SolanaKeypair FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException("An Ed25519 seed has 32 bytes.", nameof(seed));
        }

        return new SolanaKeypair(Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey));
    }

    /// <summary>From a Solana CLI keypair file's content: a JSON array of 64 numbers (seed then public key).</summary>
    public static SolanaKeypair FromCliKeypairJson(string json)
    {
        var numbers = System.Text.Json.JsonSerializer.Deserialize<int[]>(json)
            ?? throw new FormatException("The keypair file is empty.");
        var bytes = numbers.Select(n => checked((byte)n)).ToArray();
        if (bytes.Length != 64)
        {
            throw new FormatException($"A Solana keypair file holds 64 bytes, this one {bytes.Length}.");
        }

        var pair = FromSeed(bytes.AsSpan(0, 32));
        if (pair.PublicKey != new Bytes32(bytes.AsSpan(32)))
        {
            pair.Dispose();
            throw new FormatException("The keypair file's public key does not match its seed.");
        }

        return pair;
    }

    public static SolanaKeypair Generate() =>
        new(Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None }));

    public byte[] Sign(ReadOnlySpan<byte> message) => Algorithm.Sign(_key, message);

    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature) => Algorithm.Sign(_key, message, signature);

    public static bool Verify(Bytes32 publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        Span<byte> raw = stackalloc byte[32];
        publicKey.CopyTo(raw);
        return NSec.Cryptography.PublicKey.TryImport(Algorithm, raw, KeyBlobFormat.RawPublicKey, out var key)
            && key is not null
            && Algorithm.Verify(key, message, signature);
    }

    public void Dispose() => _key.Dispose();
}
