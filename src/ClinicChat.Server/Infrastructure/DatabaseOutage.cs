using Npgsql;

namespace ClinicChat.Infrastructure;

/// <summary>
/// Turns a database outage into one Warning instead of an Error (or two) per failed request: the first failure
/// logs a Warning, later ones log at Debug until the database answers again, which is logged once as Information.
/// While it is down a probe asks PostgreSQL every <see cref="ProbeInterval"/>, so the end of an outage is noticed
/// even when no request succeeds in between. Callers answer "unavailable, retry" (<see cref="Refusal"/>): 503 with
/// Retry-After on REST, [server.unavailable] on the hub.
/// </summary>
public sealed partial class DatabaseOutage(NpgsqlDataSource dataSource, TimeProvider time, ILogger<DatabaseOutage> logger)
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    public static readonly Failure Refusal = new("server.unavailable", FailureKind.Unavailable,
        "The database is not reachable right now. Try again shortly.", RetryAfter: TimeSpan.FromSeconds(5));

    private int _down;

    public bool IsDown => Volatile.Read(ref _down) == 1;

    /// <summary>Connection refused or lost, server shutting down, pool exhausted: Npgsql's transient errors.</summary>
    public static bool IsOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A request failed because of the outage; <paramref name="operation"/> names it, without query strings.</summary>
    public void Report(Exception exception, string operation)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogStarted(operation, exception.Message);
            _ = ProbeUntilReachableAsync();
        }
        else
        {
            LogStillDown(operation, exception.Message);
        }
    }

    /// <summary>Something reached the database (the readiness check): an outage, if any, is over.</summary>
    public void Reachable()
    {
        if (Interlocked.Exchange(ref _down, 0) == 1)
        {
            LogEnded();
        }
    }

    private async Task ProbeUntilReachableAsync()
    {
        while (IsDown)
        {
            await Task.Delay(ProbeInterval, time);
            try
            {
                await using var command = dataSource.CreateCommand("select 1");
                await command.ExecuteScalarAsync();
                Reachable();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogStillDown("probe", e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable (first failure: {Operation}: {Reason}); requests get 'unavailable, retry' until it answers again")]
    private partial void LogStarted(string operation, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Database still unavailable ({Operation}: {Reason})")]
    private partial void LogStillDown(string operation, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database reachable again")]
    private partial void LogEnded();
}
