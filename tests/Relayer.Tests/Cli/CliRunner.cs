using DiscreteExec.Relayer.Cli;

namespace DiscreteExec.Relayer.Tests.Cli;

/// <summary>Runs the relayer CLI in-process with captured output.</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await RelayerCli.InvokeAsync(args, output, error, CancellationToken.None);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error);
