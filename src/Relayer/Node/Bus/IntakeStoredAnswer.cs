using MassTransit;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// The intake consumers' last act: when the sender asked to hear that the message is stored (the sink on the
/// in-memory transport sends requests), answer <see cref="IntakeStored"/>; a plain send (RabbitMQ) expects nothing.
/// </summary>
internal static class IntakeStoredAnswer
{
    public static Task SendIfAskedAsync<T>(ConsumeContext<T> context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.IsResponseAccepted<IntakeStored>() ? context.RespondAsync(new IntakeStored(typeof(T).Name)) : Task.CompletedTask;
    }
}
