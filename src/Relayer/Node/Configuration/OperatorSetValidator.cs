using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>The rules of the <c>OperatorSet</c> section; each failure names its key.</summary>
internal static class OperatorSetValidator
{
    private const string Section = OperatorSetOptions.SectionName;

    public static void Validate(OperatorSetOptions set, List<NodeChainOptions> chains, List<string> failures)
    {
        AnnotationChecks.Validate(set, Section, failures);
        var count = set.Operators.Count;
        if (count == 0)
        {
            if (set.Threshold != 1 || set.OwnIndex != 0)
            {
                failures.Add($"{Section}:Operators: required when Threshold or OwnIndex is set (without operators the node is the only one: threshold 1, index 0).");
            }

            return;
        }

        if (count > EscrowProgram.MaxSigners)
        {
            failures.Add($"{Section}:Operators: {count} operators; an escrow's signer set holds at most {EscrowProgram.MaxSigners}.");
        }

        if (set.OwnIndex >= count)
        {
            failures.Add($"{Section}:OwnIndex: {set.OwnIndex} is not an index of the {count} operators (0..{count - 1}).");
        }

        if (set.Threshold > count)
        {
            failures.Add($"{Section}:Threshold: {set.Threshold} is more than the {count} operators.");
        }
        else if (set.Threshold * 2 <= count)
        {
            // Two disjoint halves could each reach a threshold for a different batch of the same epoch.
            failures.Add($"{Section}:Threshold: {set.Threshold} of {count} is not more than half; two conflicting batches could both reach it (need at least {(count / 2) + 1}).");
        }

        var seen = chains.ToDictionary(c => c.Name, _ => new HashSet<string>(StringComparer.OrdinalIgnoreCase), StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var path = $"{Section}:Operators:{i}";
            var member = set.Operators[i];
            AnnotationChecks.Validate(member, path, failures);
            if (member.Id.Length > 0 && set.Operators.Take(i).Any(o => o.Id == member.Id))
            {
                failures.Add($"{path}:Id: '{member.Id}' is used by an earlier operator.");
            }

            ValidateSigners(member, path, chains, seen, failures);
        }

        if (count > 1)
        {
            if (!chains.Any(c => c.Kind == ChainKind.Evm))
            {
                failures.Add($"Chains: no EVM chain; with {count} operators the proposer signs its manifests with its EVM key, so at least one chain must be EVM.");
            }

            // Each node holds its own operator's keys only: one attestor key per chain.
            for (var c = 0; c < chains.Count; c++)
            {
                if (chains[c].Keys.Attestors.Count > 1)
                {
                    failures.Add($"Chains:{c}:Keys:Attestors: {chains[c].Keys.Attestors.Count} keys; with an operator set each node holds only its own operator's key (one).");
                }
            }
        }
    }

    private static void ValidateSigners(OperatorOptions member, string path, List<NodeChainOptions> chains, Dictionary<string, HashSet<string>> seen, List<string> failures)
    {
        for (var s = 0; s < member.Signers.Count; s++)
        {
            var signer = member.Signers[s];
            var signerPath = $"{path}:Signers:{s}";
            AnnotationChecks.Validate(signer, signerPath, failures);
            var chain = chains.FirstOrDefault(c => c.Name == signer.Chain);
            if (signer.Chain.Length == 0 || signer.Address.Length == 0)
            {
                continue;
            }

            if (chain is null)
            {
                failures.Add($"{signerPath}:Chain: '{signer.Chain}' is not the name of a configured chain.");
                continue;
            }

            if (member.Signers.Take(s).Any(o => o.Chain == signer.Chain))
            {
                failures.Add($"{signerPath}:Chain: operator '{member.Id}' already has a signer on '{signer.Chain}'.");
            }

            if (chain.Kind == ChainKind.Evm && !EvmAddress.TryParse(signer.Address, out _))
            {
                failures.Add($"{signerPath}:Address: '{signer.Address}' is not a 0x-prefixed 20-byte address with a valid EIP-55 checksum.");
            }
            else if (chain.Kind == ChainKind.Solana && !Base58.TryDecodeKey(signer.Address, out _))
            {
                failures.Add($"{signerPath}:Address: '{signer.Address}' is not a base58 32-byte public key.");
            }
            else if (!seen[chain.Name].Add(signer.Address))
            {
                failures.Add($"{signerPath}:Address: '{signer.Address}' is another operator's signer on '{signer.Chain}'; every operator signs with its own key.");
            }
        }

        foreach (var chain in chains.Where(c => c.Name.Length > 0 && member.Signers.All(s => s.Chain != c.Name)))
        {
            failures.Add($"{path}:Signers: operator '{member.Id}' has no signer on chain '{chain.Name}'.");
        }
    }
}
