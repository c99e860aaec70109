namespace DiscreteExec.Relayer.Cli;

/// <summary>The relayer CLI's exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A bug or an environment failure (e.g. the output cannot be written); the message says which.</summary>
    public const int InternalError = 1;

    /// <summary><c>check</c> (and <c>run --devnet --epochs N</c>): the chains break a rule; the violations are printed.</summary>
    public const int ViolationsFound = 1;

    /// <summary>Bad input: the command line, or a file that is malformed or inconsistent.</summary>
    public const int BadInput = 2;

    /// <summary><c>clear --check</c>: the recomputed batch differs from the given one.</summary>
    public const int CheckMismatch = 3;

    /// <summary><c>status</c>: the node did not answer at the given URL, or answered something that is not its API.</summary>
    public const int NodeUnreachable = 4;

    /// <summary>Ctrl+C (SIGINT) stopped the command after it cleaned up: 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;
}
