namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>An intake message that can never be stored (a missing field, an unknown chain): not retried, moved to the error queue.</summary>
internal sealed class MalformedIntakeMessageException(string message) : Exception(message);

/// <summary>A retraction arrived before the observation it retracts was stored: retried, since the observation may still be on its way.</summary>
internal sealed class IntentNotYetObservedException(string message) : Exception(message);
