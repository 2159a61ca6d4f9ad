namespace ClinicChat.Infrastructure;

/// <summary>
/// Side effects that run after a change is committed (events to clients, follow-ups of other features): their
/// failure is logged and swallowed, never reported as a failure of the change, because the change is durable and
/// clients recover through Sync or a re-read. One exception set for all of them: anything but running out of memory.
/// </summary>
public static partial class BestEffort
{
    public static bool Tolerates(Exception exception) => exception is not OutOfMemoryException;

    /// <summary>Awaits <paramref name="work"/>; a failure is logged as a warning naming <paramref name="operation"/>.</summary>
    public static async Task RunAsync(Task work, ILogger logger, string operation)
    {
        try
        {
            await work;
        }
        catch (Exception e) when (Tolerates(e))
        {
            LogFailed(logger, e, operation);
        }
    }

    /// <summary>For side effects that start with synchronous work that may throw too.</summary>
    public static Task RunAsync(Func<Task> work, ILogger logger, string operation)
    {
        Task started;
        try
        {
            started = work();
        }
        catch (Exception e) when (Tolerates(e))
        {
            started = Task.FromException(e);
        }

        return RunAsync(started, logger, operation);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Best-effort {Operation} failed after the change was committed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string operation);
}
