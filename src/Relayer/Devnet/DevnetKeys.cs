using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// Deterministic 32-byte secrets for the local devnet only, derived from a label (EVM private keys, Ed25519 seeds).
/// The chains start empty on every run, so these keys never hold anything real.
/// </summary>
internal static class DevnetKeys
{
    public static byte[] Derive(string label) =>
        Keccak256.Hash(System.Text.Encoding.UTF8.GetBytes("discreteexec-local-devnet:" + label)).ToArray();
}
