using System.Collections.Concurrent;
using DiscreteExec.Adapters.Solana.CoSigning;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>
/// Other operators' seats as a submitter's co-signers, in process: each seat verifies the requested message against
/// the chunk it attested (here: the planned chunk) with <see cref="SettleCoSigner"/>; <c>silent</c> never answers.
/// <see cref="BeforeAnswers"/> runs once, before the first request is answered (something that happens on chain while
/// the submitter waits for its co-signatures).
/// </summary>
internal sealed class SeatCoSigners(IReadOnlyList<SettleCoSigner> seats, Bytes32 silent) : ISettleCoSigners
{
    private Func<Task>? _beforeAnswers;

    public ConcurrentDictionary<Bytes32, int> Signed { get; } = [];

    public ConcurrentBag<string> Refusals { get; } = [];

    public int Needed => 1;

    public bool OwnAttestorsSign { get; init; } = true;

    /// <summary>Every key the submitter asked, in order (one entry per asked key per request).</summary>
    public ConcurrentQueue<Bytes32> Asked { get; } = [];

    public Func<Task>? BeforeAnswers
    {
        get => _beforeAnswers;
        init => _beforeAnswers = value;
    }

    public Task<bool> OwnAttestorsSignAsync(SettlementChunk chunk, CancellationToken cancellationToken) => Task.FromResult(OwnAttestorsSign);

    public Task<IReadOnlyList<Bytes32>> CandidatesAsync(SettlementChunk chunk, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Bytes32>>([.. seats.Select(s => s.PublicKey)]);

    public async Task<IReadOnlyDictionary<Bytes32, byte[]>> RequestAsync(SettlementChunk chunk, ReadOnlyMemory<byte> message, IReadOnlyList<Bytes32> coSigners, CancellationToken cancellationToken)
    {
        foreach (var key in coSigners)
        {
            Asked.Enqueue(key);
        }

        if (Interlocked.Exchange(ref _beforeAnswers, null) is { } before)
        {
            await before();
        }

        var answers = new Dictionary<Bytes32, byte[]>();
        foreach (var seat in seats.Where(s => coSigners.Contains(s.PublicKey) && s.PublicKey != silent))
        {
            var answer = await seat.SignAsync(message, chunk, cancellationToken);
            if (answer.Signature is { } signature)
            {
                answers[seat.PublicKey] = signature;
                Signed.AddOrUpdate(seat.PublicKey, 1, (_, n) => n + 1);
            }
            else
            {
                Refusals.Add(answer.Refusal!);
            }
        }

        return answers;
    }
}
