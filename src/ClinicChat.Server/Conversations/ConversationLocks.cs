namespace ClinicChat.Conversations;

/// <summary>
/// Striped in-process locks, one stripe per conversation hash. A send holds its conversation's stripe from the
/// insert until its events are queued, so every subscriber sees messageCreated in seq order. PostgreSQL already
/// serialises a conversation's appends on its row lock; waiting here instead also keeps waiters from holding
/// pooled connections while they queue. Stripes bound memory; a collision only delays an unrelated send briefly.
/// </summary>
public sealed class ConversationLocks
{
    private const int Stripes = 4096;
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];

    public async ValueTask<Releaser> AcquireAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(conversationId.GetHashCode() & int.MaxValue) % Stripes];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    public readonly struct Releaser(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }
}
