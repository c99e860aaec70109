using System.CommandLine;
using System.Globalization;
using System.Text;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Relayer.ClearingFiles;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// <c>clear --input epoch.json [--output batch.json] [--check batch.json] [--quiet]</c>: clears one epoch offline
/// (docs/ARCHITECTURE.md, "The clearing file format"). The output is written atomically and only on success; on failure
/// nothing is written and an existing output file is left as it was.
/// </summary>
internal static class ClearCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input", "-i") { Description = "The epoch to clear (epoch.json).", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the batch (batch.json); replaced atomically." };
        var check = new Option<string?>("--check") { Description = "An existing batch.json to compare with the recomputed batch byte for byte (exit 3 if it differs)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print no summary." };

        var command = new Command("clear", "Clear one epoch offline: read epoch.json, write batch.json, print a summary.")
        {
            input,
            output,
            check,
            quiet,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(output) is null && result.GetValue(check) is null)
            {
                result.AddError("Give --output, --check, or both.");
            }
        });
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            new Request(parseResult.GetRequiredValue(input), parseResult.GetValue(output), parseResult.GetValue(check), parseResult.GetValue(quiet)),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Request request, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (request.Output is not null && SamePath(request.Output, request.Input))
        {
            return Fail(stderr, ExitCodes.BadInput, "--output must not be the input file.");
        }

        EpochInput epoch;
        try
        {
            epoch = await EpochFileReader.ReadAsync(request.Input, cancellationToken).ConfigureAwait(false);
        }
        catch (EpochFileException ex)
        {
            return Fail(stderr, ExitCodes.BadInput, $"{request.Input}: {ex.Message}");
        }

        SettlementBatch batch;
        byte[] bytes;
        try
        {
            batch = EpochClearing.Clear(epoch);
            bytes = BatchFileWriter.ToUtf8(batch);
        }
        catch (ClearingInputException ex)
        {
            return Fail(stderr, ExitCodes.BadInput, $"{request.Input}: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Fail(stderr, ExitCodes.InternalError, $"internal error while clearing {request.Input}: {ex.GetType().Name}: {ex.Message}");
        }

        if (request.Check is not null)
        {
            var mismatch = await CheckAsync(request.Check, bytes, batch, stderr, cancellationToken).ConfigureAwait(false);
            if (mismatch != ExitCodes.Success)
            {
                return mismatch;
            }
        }

        if (request.Output is not null)
        {
            try
            {
                await AtomicFile.WriteAsync(request.Output, bytes, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return Fail(stderr, ExitCodes.InternalError, $"cannot write {request.Output}: {ex.Message}");
            }
        }

        if (!request.Quiet)
        {
            BatchSummary.Write(stdout, epoch, batch, request.Output, request.Check);
        }

        return ExitCodes.Success;
    }

    /// <summary>Compares the recomputed bytes with an existing batch file and says where they first differ.</summary>
    private static async Task<int> CheckAsync(string path, byte[] recomputed, SettlementBatch batch, TextWriter stderr, CancellationToken cancellationToken)
    {
        byte[] existing;
        try
        {
            existing = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(stderr, ExitCodes.BadInput, $"{path}: cannot read the file: {ex.Message}");
        }

        if (existing.AsSpan().SequenceEqual(recomputed))
        {
            return ExitCodes.Success;
        }

        string detail;
        try
        {
            var given = BatchFileReader.Parse(existing);
            detail = given.BatchRoot == batch.BatchRoot
                ? $"same batch root {batch.BatchRoot}, but {FirstDifference(existing, recomputed)}"
                : $"batch root {given.BatchRoot} in the file, {batch.BatchRoot} recomputed; {FirstDifference(existing, recomputed)}";
        }
        catch (BatchFileException ex)
        {
            detail = $"it is not a valid batch file: {ex.Message}";
        }

        return Fail(stderr, ExitCodes.CheckMismatch, $"{path} does not match the recomputed batch: {detail}");
    }

    private static string FirstDifference(byte[] existing, byte[] recomputed)
    {
        var a = Encoding.UTF8.GetString(existing).Split('\n');
        var b = Encoding.UTF8.GetString(recomputed).Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var left = i < a.Length ? a[i].Trim() : "(end of file)";
            var right = i < b.Length ? b[i].Trim() : "(end of file)";
            if (left != right)
            {
                return string.Create(CultureInfo.InvariantCulture, $"line {i + 1} reads '{left}' in the file and '{right}' recomputed");
            }
        }

        return "they differ in whitespace or line endings";
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    private static int Fail(TextWriter stderr, int exitCode, string message)
    {
        stderr.Write($"error: {message}\n");
        return exitCode;
    }

    private sealed record Request(string Input, string? Output, string? Check, bool Quiet);
}
