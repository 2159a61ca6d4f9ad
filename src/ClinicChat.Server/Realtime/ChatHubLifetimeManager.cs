using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace ClinicChat.Realtime;

/// <summary>
/// The default in-memory lifetime manager with an index of each user's connections. The default one answers
/// Clients.User/Users by testing every open connection, so each per-user event (unreadChanged, receipts) cost time
/// in proportion to all connections of the server; here it costs a dictionary lookup per user. The message is
/// serialized once per protocol for all of a user's connections, as group sends do.
/// </summary>
public sealed class ChatHubLifetimeManager(ILogger<DefaultHubLifetimeManager<ChatHub>> logger) : DefaultHubLifetimeManager<ChatHub>(logger)
{
    private readonly ConcurrentDictionary<string, UserConnections> _users = new(StringComparer.Ordinal);

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection);
        if (connection.UserIdentifier is not { } userId)
        {
            return;
        }

        while (true)
        {
            var entry = _users.GetOrAdd(userId, static _ => new UserConnections());
            if (entry.TryAdd(connection))
            {
                return;
            }

            // The entry emptied and left the index between the lookup and the add: take a fresh one.
            _users.TryRemove(new KeyValuePair<string, UserConnections>(userId, entry));
        }
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (connection.UserIdentifier is { } userId && _users.TryGetValue(userId, out var entry) && entry.Remove(connection))
        {
            _users.TryRemove(new KeyValuePair<string, UserConnections>(userId, entry));
        }

        await base.OnDisconnectedAsync(connection);
    }

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendUsersAsync([userId], methodName, args, cancellationToken);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        SerializedHubMessage? message = null;
        List<Task>? pending = null;
        foreach (var userId in userIds)
        {
            if (!_users.TryGetValue(userId, out var entry))
            {
                continue;
            }

            foreach (var connection in entry.Snapshot())
            {
                message ??= new SerializedHubMessage(new InvocationMessage(methodName, args));
                var write = connection.WriteAsync(message, cancellationToken);
                if (!write.IsCompletedSuccessfully)
                {
                    (pending ??= []).Add(write.AsTask());
                }
            }
        }

        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    /// <summary>
    /// One user's open connections. The send snapshot is built on the first send after a change, not on every
    /// change: copying the whole array on each connect made N connections of one user cost O(N²) allocation
    /// (19,000 idle connections of one login: 1.4 GB of arrays, most on the large object heap, +12 KB RSS each).
    /// </summary>
    private sealed class UserConnections
    {
        private readonly Lock _gate = new();
        private readonly List<HubConnectionContext> _connections = new(1);
        private HubConnectionContext[]? _snapshot;
        private bool _removed;

        public HubConnectionContext[] Snapshot()
        {
            if (Volatile.Read(ref _snapshot) is { } snapshot)
            {
                return snapshot;
            }

            lock (_gate)
            {
                return _snapshot ??= [.. _connections];
            }
        }

        /// <summary>False once the entry has emptied and left the index; the caller then adds to a fresh entry.</summary>
        public bool TryAdd(HubConnectionContext connection)
        {
            lock (_gate)
            {
                if (_removed)
                {
                    return false;
                }

                _connections.Add(connection);
                Volatile.Write(ref _snapshot, null);
                return true;
            }
        }

        /// <summary>Removes the connection; true when it was the last, and the entry must leave the index.</summary>
        public bool Remove(HubConnectionContext connection)
        {
            lock (_gate)
            {
                _connections.Remove(connection);
                Volatile.Write(ref _snapshot, null);
                _removed = _connections.Count == 0;
                return _removed;
            }
        }
    }
}
