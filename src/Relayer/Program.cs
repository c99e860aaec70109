using DiscreteExec.Relayer.Cli;

return await RelayerCli.InvokeAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
