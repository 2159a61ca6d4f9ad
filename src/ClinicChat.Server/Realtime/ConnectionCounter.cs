namespace ClinicChat.Realtime;

/// <summary>
/// Open connections per key (an account, a client address), with a cap checked and taken in one step. Keys with no
/// connection are dropped, so the table holds only who is connected. Taken on connect and released on close, never
/// per message, so one lock is cheap enough.
/// </summary>
public sealed class ConnectionCounter<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, int> _counts = [];
    private readonly Lock _gate = new();

    public int CountFor(TKey key)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault(key);
        }
    }

    /// <summary>Counts one more connection for the key unless it already has <paramref name="limit"/>.</summary>
    public bool TryAcquire(TKey key, int limit)
    {
        lock (_gate)
        {
            var count = _counts.GetValueOrDefault(key);
            if (count >= limit)
            {
                return false;
            }

            _counts[key] = count + 1;
            return true;
        }
    }

    public void Release(TKey key)
    {
        lock (_gate)
        {
            if (_counts.TryGetValue(key, out var count))
            {
                if (count <= 1)
                {
                    _counts.Remove(key);
                }
                else
                {
                    _counts[key] = count - 1;
                }
            }
        }
    }
}
