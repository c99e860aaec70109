using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Samples.EventFollower;
using Xunit.Abstractions;

namespace DiscreteExec.Relayer.Tests.Samples;

/// <summary>
/// The SSE sample integrator (samples/Integrators/EventFollower) against the devnet node on both real local chains:
/// it follows <c>/v1/events</c> from the start through a connection cut mid-stream, and verifies every
/// <c>IntentSettled</c> proof against the root each escrow emitted in its <c>LegApplied</c> event, read from anvil and
/// the Solana dev node over plain JSON-RPC. A proof with one hex digit flipped on its way from the node is a MISMATCH.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EventFollowerSampleTests(ITestOutputHelper output) : IDisposable
{
    private const int CutAfterBytes = 3000;

    private readonly string _directory = Directory.CreateTempSubdirectory("discreteexec-event-follower-").FullName;

    [Fact]
    public async Task Follower_DevnetSettlesTwoEpochs_StreamCutOnceResumesGapless_EverySettlementVerifiedOnChain_TamperedProofMismatch()
    {
        // A bounded wait on real servers: the devnet starts, runs two epochs of traffic and the follower catches up.
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        using var stopDevnet = CancellationTokenSource.CreateLinkedTokenSource(patience.Token);
        var log = new DashboardLineWriter();
        var devnet = Task.Run(() => DevnetNodeRunner.RunAsync(new DevnetNodeSettings(_directory, Epochs: null, IntentsPerSecond: 4, Seed: 11), log, TimeProvider.System, stopDevnet.Token));
        try
        {
            await Task.WhenAny(devnet, log.Dashboard).WaitAsync(patience.Token);
            Assert.True(log.Dashboard.IsCompleted, $"the devnet ended before its API was up: {log}");
            var nodeUrl = await log.Dashboard;
            var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_directory, "node.json"), patience.Token))!;
            var evmChain = config["Chains"]!.AsArray().Single(c => (string?)c!["Kind"] == "Evm")!;
            var solanaChain = config["Chains"]!.AsArray().Single(c => (string?)c!["Kind"] == "Solana")!;

            using var rpc = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var evm = new EvmLegAppliedReader(rpc, new Uri((string)evmChain["Adapter"]!["Rpc"]!["Url"]!), (string)evmChain["Adapter"]!["EscrowAddress"]!);
            var solana = new SolanaLegAppliedReader(rpc, new Uri((string)solanaChain["Adapter"]!["Rpc"]!["Url"]!), (string)solanaChain["Adapter"]!["ProgramId"]!);

            var cutter = new CutFirstStreamHandler(CutAfterBytes) { InnerHandler = new HttpClientHandler() };
            using var streamHttp = new HttpClient(cutter) { Timeout = Timeout.InfiniteTimeSpan };
            var follower = new EventStreamFollower(streamHttp, nodeUrl, TimeProvider.System);
            var verifier = new SettlementVerifier(rpc, nodeUrl, evm, solana);

            var events = new List<StreamedEvent>();
            var checks = new List<SettlementCheck>();
            await foreach (var streamed in follower.FollowAsync(after: 0, patience.Token))
            {
                events.Add(streamed);
                if (streamed.Type == nameof(IntentSettled))
                {
                    var check = await verifier.CheckAsync(JsonSerializer.Deserialize<IntentSettled>(streamed.Data)!, patience.Token);
                    output.WriteLine(check.ToString());
                    checks.Add(check);
                }

                if (streamed.Type == nameof(MarginUpdated) && JsonSerializer.Deserialize<MarginUpdated>(streamed.Data)!.EpochId >= 2)
                {
                    break;
                }
            }

            // The cut fell inside the stream; the follower resumed after its last whole event: gapless, each once.
            Assert.Equal(1, cutter.Cuts);
            Assert.True(follower.Reconnects >= 1, "the follower never reconnected after the cut");
            Assert.True(events.Count > 10, $"only {events.Count} events");
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
            Assert.Equal(events.Count, events.Select(e => JsonNode.Parse(e.Data)!["EventId"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Count());

            // Every settlement verified against the root on its chains (each proof holds a leg on each chain).
            Assert.NotEmpty(checks);
            Assert.All(checks, c => Assert.True(c.Verified, c.ToString()));
            Assert.Equal(2, checks.Select(c => c.Settled.DestinationChainId).Distinct().Count());

            // One hex digit flipped in the proof's path to the root, or in its path to the leg hash, on the way from the node.
            var settled = checks[0].Settled;
            foreach (var (path, expected) in new[] { ("legHashToBatchRoot", "the escrow emitted"), ("leafToLegHash", "not the leg hash") })
            {
                using var tampered = new HttpClient(new TamperProofHandler(path) { InnerHandler = new HttpClientHandler() });
                var check = await new SettlementVerifier(tampered, nodeUrl, evm, solana).CheckAsync(settled, patience.Token);
                output.WriteLine(check.ToString());
                Assert.False(check.Verified);
                Assert.Contains("MISMATCH", check.ToString(), StringComparison.Ordinal);
                Assert.Contains(expected, check.Detail, StringComparison.Ordinal);
            }
        }
        finally
        {
            await stopDevnet.CancelAsync();
            try
            {
                await devnet;
            }
            catch (OperationCanceledException) when (stopDevnet.IsCancellationRequested)
            {
                // Stopped on purpose once the follower was done.
            }

            output.WriteLine(log.ToString());
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The devnet's log; completes <see cref="Dashboard"/> with the API's address once the node listens.</summary>
    private sealed class DashboardLineWriter : StringWriter
    {
        private readonly TaskCompletionSource<Uri> _dashboard = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _line = new();

        public Task<Uri> Dashboard => _dashboard.Task;

        public override void Write(char value)
        {
            base.Write(value);
            lock (_line)
            {
                if (value != '\n')
                {
                    _line.Append(value);
                    return;
                }

                var line = _line.ToString();
                _line.Clear();
                var at = line.IndexOf("dashboard: ", StringComparison.Ordinal);
                if (at >= 0)
                {
                    _dashboard.TrySetResult(new Uri(line[(at + "dashboard: ".Length)..].Split(' ')[0]));
                }
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? string.Empty)
            {
                Write(c);
            }
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write('\n');
        }
    }

    /// <summary>Ends the first event stream's body with an I/O error after a number of bytes (mid-event, as a dropped connection does).</summary>
    private sealed class CutFirstStreamHandler(int afterBytes) : DelegatingHandler
    {
        public int Cuts { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Cuts == 0 && request.RequestUri!.AbsolutePath.EndsWith("/v1/events", StringComparison.Ordinal))
            {
                Cuts++;
                var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var headers = response.Content.Headers.ToArray();
                response.Content = new StreamContent(new CutStream(body, afterBytes));
                foreach (var header in headers)
                {
                    response.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            return response;
        }
    }

    private sealed class CutStream(Stream inner, int afterBytes) : Stream
    {
        private int _left = afterBytes;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_left <= 0)
            {
                throw new IOException("The test cut the event stream.");
            }

            var read = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, _left)], cancellationToken);
            _left -= read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A test double of the node's proof answer: the real answer with one hex digit of the first action's path flipped.</summary>
    private sealed class TamperProofHandler(string path) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var proof = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            var siblings = proof["actions"]![0]![path]!.AsArray();
            var sibling = (string)siblings[0]!;
            siblings[0] = sibling[..^1] + (sibling[^1] == '0' ? '1' : '0');
            response.Content = new StringContent(proof.ToJsonString(), Encoding.UTF8, "application/json");
            return response;
        }
    }
}
