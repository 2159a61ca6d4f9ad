using System.Collections.Concurrent;

namespace ClinicChat.Realtime;

/// <summary>Who is online: a user is online while at least one of their hub connections is open.</summary>
public interface IPresence
{
    bool IsOnline(Guid userId);

    IReadOnlyCollection<Guid> OnlineUsers { get; }
}

public sealed class PresenceTracker : IPresence
{
    private readonly ConcurrentDictionary<Guid, int> _connections = new();

    public IReadOnlyCollection<Guid> OnlineUsers => [.. _connections.Keys];

    public bool IsOnline(Guid userId) => _connections.ContainsKey(userId);

    /// <summary>Counts a new connection; true when the user just came online.</summary>
    public bool Connected(Guid userId) => _connections.AddOrUpdate(userId, 1, (_, count) => count + 1) == 1;

    /// <summary>Counts a closed connection; true when the user just went offline.</summary>
    public bool Disconnected(Guid userId)
    {
        while (true)
        {
            if (!_connections.TryGetValue(userId, out var count))
            {
                return false;
            }

            if (count <= 1)
            {
                if (_connections.TryRemove(new KeyValuePair<Guid, int>(userId, count)))
                {
                    return true;
                }
            }
            else if (_connections.TryUpdate(userId, count - 1, count))
            {
                return false;
            }
        }
    }
}
