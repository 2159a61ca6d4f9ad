namespace ClinicChat.Conversations;

/// <summary>
/// Striped in-process locks, one stripe per conversation hash. Every append holds its conversation's stripe from
/// the insert until its messageCreated is queued, so every subscriber sees messages in seq order: user sends
/// (<see cref="MessageSender"/>) for one message, system notes (<see cref="SystemNotes"/>) for the whole transaction
/// that writes them. PostgreSQL already serialises a conversation's appends on its row lock; waiting here instead
/// also keeps waiters from holding pooled connections while they queue. Stripes bound memory; a collision only
/// delays an unrelated send briefly.
/// </summary>
public sealed class ConversationLocks
{
    private const int Stripes = 4096;
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];

    public async ValueTask<Releaser> AcquireAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var stripe = _stripes[StripeOf(conversationId)];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    /// <summary>A set of stripes held together until disposed, for a transaction that appends to several conversations.</summary>
    public Set NewSet() => new(this);

    private static int StripeOf(Guid conversationId) => (conversationId.GetHashCode() & int.MaxValue) % Stripes;

    public readonly struct Releaser(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }

    /// <summary>
    /// Takes each stripe at most once (two conversations of one transaction may share a stripe, and the stripes are
    /// not reentrant) and releases them all on dispose.
    /// </summary>
    public sealed class Set(ConversationLocks locks) : IDisposable
    {
        private readonly List<int> _held = [];

        public bool Holds(Guid conversationId) => _held.Contains(StripeOf(conversationId));

        public async ValueTask AcquireAsync(Guid conversationId, CancellationToken cancellationToken)
        {
            var index = StripeOf(conversationId);
            if (!_held.Contains(index))
            {
                await locks._stripes[index].WaitAsync(cancellationToken);
                _held.Add(index);
            }
        }

        public void Dispose()
        {
            foreach (var index in _held)
            {
                locks._stripes[index].Release();
            }

            _held.Clear();
        }
    }
}
