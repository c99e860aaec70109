namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// The configuration errors the start-up checks found on the chains (a wrong chain id, an address that is not an
/// escrow), each message naming its chain. The run command reads them after the host stopped and exits with code 2.
/// </summary>
internal sealed class ChainStartupFailures
{
    private readonly Lock _gate = new();
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    public void Add(string message)
    {
        lock (_gate)
        {
            _messages.Add(message);
        }
    }
}
