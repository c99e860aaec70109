using System.CommandLine;
using DiscreteExec.Relayer.Cli;

var root = new RootCommand("DiscreteExec relayer: cross-chain intent aggregation with epoch-based batch clearing.")
{
    BenchCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
