using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Api;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.Relayer.Tests.Node.Bus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Tests.Node.Api;

/// <summary>The API's answers to a body of the wrong shape and to a store that does not answer: problems, never a bare 400 or a 500.</summary>
[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class ApiErrorTests(ApiNodeFixture node)
{
    [Theory]
    [InlineData("""{"originChainId":"abc"}""", "originChainId")]
    [InlineData("""{"originChainId":31337,"fillDeadline":"tomorrow"}""", "fillDeadline")]
    [InlineData("""{"originChainId":31337,"depositor":42}""", "depositor")]
    public async Task Build_ValueOfTheWrongJsonType_400NamingTheField(string body, string field)
    {
        var problem = await PostAsync(node.Client, body);
        Assert.Equal(field, problem.GetProperty("parameter").GetString());
        Assert.StartsWith($"{field}: the value has the wrong JSON type", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"originChainId":""")]
    [InlineData("not json")]
    public async Task Build_BodyNotJson_400SayingSo(string body)
    {
        var problem = await PostAsync(node.Client, body);
        Assert.Contains("the body is not well-formed JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetIntent_StoreTimesOut_503WithRetryAfter()
    {
        var services = new ServiceCollection()
            .AddSingleton<IIntentStore>(new TimingOutIntentStore())
            .AddSingleton<IEpochStore>(new InMemoryNodeStore())
            .AddSingleton<IEventLog>(new InMemoryEventLog())
            .AddSingleton(TimeProvider.System)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .BuildServiceProvider();
        await using var _ = services;
        var (app, client) = await ApiNodeFixture.StartApiAsync(services, new ApiOptions { Urls = "http://127.0.0.1:0" });
        try
        {
            using var response = await client.GetAsync($"/v1/intents/0x{new string('7', 64)}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(ApiExceptionHandler.StoreRetryAfterSeconds, (int)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Store unavailable", problem.GetProperty("title").GetString());
            Assert.Contains("RedisTimeoutException", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await ApiNodeFixture.StopApiAsync(app, client);
        }
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/v1/intents/build", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A store whose every read times out, as StackExchange.Redis reports it.</summary>
    private sealed class TimingOutIntentStore : IIntentStore
    {
        public Task<bool> AddAsync(IntentObserved observed, CancellationToken cancellationToken) => throw TimedOut();

        public Task<bool> RetractAsync(IntentRetracted retracted, CancellationToken cancellationToken) => throw TimedOut();

        public Task<StoredIntent?> GetAsync(Bytes32 intentId, CancellationToken cancellationToken) => throw TimedOut();

        public Task<IReadOnlyList<StoredIntent>> OpenAsync(CancellationToken cancellationToken) => throw TimedOut();

        public Task<long> OpenCountAsync(CancellationToken cancellationToken) => throw TimedOut();

        public Task TransitionAsync(IReadOnlyList<IntentTransition> transitions, LeaseToken fence, CancellationToken cancellationToken) => throw TimedOut();

        public Task<IReadOnlyList<Bytes32>> TakeOpenAsync(IReadOnlyList<Bytes32> intentIds, ulong epochId, LeaseToken fence, CancellationToken cancellationToken) =>
            throw TimedOut();

        private static RedisTimeoutException TimedOut() => new(CommandFlags.None, "Timeout awaiting response (outbound=0KiB, inbound=0KiB, 5000ms elapsed)", CommandStatus.Sent);
    }
}
