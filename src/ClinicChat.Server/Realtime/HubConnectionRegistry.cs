using System.Collections.Concurrent;
using ClinicChat.Accounts;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Realtime;

/// <summary>
/// The open hub connections and the session each was opened with, so that ending a session closes its
/// connections: at once for revocations raised in this process, within one sweep for those from other instances.
/// </summary>
public sealed partial class HubConnectionRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _connections = new(StringComparer.Ordinal);
    private readonly SessionRevocations _revocations;
    private readonly ILogger<HubConnectionRegistry> _logger;

    public HubConnectionRegistry(SessionRevocations revocations, ILogger<HubConnectionRegistry> logger)
    {
        _revocations = revocations;
        _logger = logger;
        _revocations.Revoked += Abort;
    }

    public int Count => _connections.Count;

    internal IEnumerable<HubCallerContext> Contexts => _connections.Values.Select(e => e.Context);

    public void Add(HubCallerContext context) =>
        _connections[context.ConnectionId] = new Entry(context, context.User?.SessionId());

    public void Remove(string connectionId) => _connections.TryRemove(connectionId, out _);

    /// <summary>Distinct sessions behind the open connections; a connection without one is closed at once.</summary>
    public IReadOnlyCollection<Guid> SessionIds()
    {
        var ids = new HashSet<Guid>();
        foreach (var entry in _connections.Values)
        {
            if (entry.SessionId is { } id)
            {
                ids.Add(id);
            }
            else
            {
                entry.Context.Abort();
            }
        }

        return ids;
    }

    public void Abort(IReadOnlyCollection<Guid> sessionIds)
    {
        if (sessionIds.Count == 0)
        {
            return;
        }

        var ended = sessionIds as ISet<Guid> ?? sessionIds.ToHashSet();
        var closed = 0;
        foreach (var entry in _connections.Values)
        {
            if (entry.SessionId is { } id && ended.Contains(id))
            {
                entry.Context.Abort();
                closed++;
            }
        }

        if (closed > 0)
        {
            LogClosed(closed);
        }
    }

    public void Dispose() => _revocations.Revoked -= Abort;

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed {Count} hub connection(s) of ended sessions")]
    private partial void LogClosed(int count);

    private sealed record Entry(HubCallerContext Context, Guid? SessionId);
}

/// <summary>Closes connections whose session ended elsewhere (another server instance, expiry, a disabled user).</summary>
public sealed partial class SessionSweeper(
    HubConnectionRegistry registry,
    IServiceProvider services,
    TimeProvider time,
    ILogger<SessionSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var sessions = registry.SessionIds();
        if (sessions.Count == 0)
        {
            return;
        }

        try
        {
            var inactive = await services.GetRequiredService<SessionStore>().FindInactiveAsync(sessions, cancellationToken);
            registry.Abort(inactive);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The database being away must not end the loop; the next tick tries again.
            LogSweepFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking hub sessions failed; retrying on the next sweep")]
    private partial void LogSweepFailed(Exception exception);
}
