using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Tests.Node.Store;

public sealed class NodeStoreConnectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("discreteexec-store-connection-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DatabaseAsync_EmbeddedServerFailsToStartOnce_TheNextCallStartsItAndConnects()
    {
        // The data directory's path is taken by a file: the embedded server cannot start.
        var dataDirectory = Path.Combine(_directory, "data");
        await File.WriteAllTextAsync(dataDirectory, "not a directory");
        var connection = new NodeStoreConnection(Options.Create(new StoreOptions { DataDirectory = dataDirectory }), NullLoggerFactory.Instance);
        await using (connection.ConfigureAwait(false))
        {
            await Assert.ThrowsAnyAsync<IOException>(() => connection.DatabaseAsync(CancellationToken.None));
            await Assert.ThrowsAnyAsync<IOException>(() => connection.DatabaseAsync(CancellationToken.None));

            File.Delete(dataDirectory); // the operator fixed it; the node was not restarted
            var database = await connection.DatabaseAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

            await database.StringSetAsync("dx:probe", "up");
            Assert.Equal("up", (string?)await database.StringGetAsync("dx:probe"));
            Assert.NotNull(connection.EmbeddedPort);
        }
    }
}
