using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using ClinicChat.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ClinicChat.Conversations;

public sealed class MessageWriterOptions
{
    public const string Section = "Messages";

    /// <summary>
    /// Statements in flight at once; each commits a whole batch. One by default: at 2,000 and 4,000 msg/s one writer
    /// cost PostgreSQL a quarter to a third less CPU per message than three (concurrent batches contend inside the
    /// database), with lower latency, because the next batch fills while the commit is flushed. More writers keep
    /// other sends moving while a batch waits on a row lock held by some slow transaction.
    /// </summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 1;

    /// <summary>Most sends committed by one statement.</summary>
    [Range(1, 5_000)]
    public int MaxBatch { get; set; } = 256;

    /// <summary>Sends waiting for a writer; past it, senders wait to enqueue (back-pressure instead of unbounded memory).</summary>
    [Range(16, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;
}

/// <summary>
/// One send waiting for its batch: the input, and once committed what the statement stored (null: nothing).
/// AttachmentIds are the unsent uploads the message links (empty for text), and Kind follows from them.
/// </summary>
internal sealed class PendingAppend(Guid id, Guid conversationId, Guid senderId, bool isAdmin, string clientMessageId, string? text,
    string kind, Guid[] attachmentIds)
    : TaskCompletionSource<AppendedMessage?>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public Guid Id { get; } = id;

    public Guid ConversationId { get; } = conversationId;

    public Guid SenderId { get; } = senderId;

    public bool IsAdmin { get; } = isAdmin;

    public string ClientMessageId { get; } = clientMessageId;

    public string? Text { get; } = text;

    public string Kind { get; } = kind;

    public Guid[] AttachmentIds { get; } = attachmentIds;
}

/// <summary>A committed new message: the rest of it is the input.</summary>
internal sealed record AppendedMessage(long Seq, DateTimeOffset CreatedAt, string ConversationKind);

/// <summary>
/// Group commit for sends. Concurrent sends queue on a bounded channel; a few writers each take what is queued (up
/// to MaxBatch) and commit it with one statement, one round trip and one WAL flush. The statement is the single
/// send statement over arrays: per input it checks access and writability, skips a clientMessageId already stored,
/// takes the next seq under the conversation's row lock, bumps the unread counters and inserts, so gap-free seq and
/// idempotency hold exactly as for one send. It returns only what it inserted: an input without a row was not
/// stored (a retry, a refusal or no access), which <see cref="MessageSender"/> sorts out off the writer's path.
/// A batch never holds two sends of one conversation (MessageSender keeps one in flight per conversation; the
/// writer re-checks), because an UPDATE ... FROM touches a row once. Attachments are linked by the same statement:
/// it locks each requested upload that is still unsent, of the sender and of the conversation, and a send whose
/// uploads are not all there stores nothing (no seq taken); the lock and its re-check after waiting mean two sends
/// racing for one upload cannot both link it. A text-only batch passes empty attachment arrays and never touches
/// the attachments table. If the statement fails as a whole (a retry
/// racing another instance, a deadlock between instances), each send is retried alone, so one bad input never
/// fails its neighbours. Senders are completed after the commit.
/// </summary>
public sealed partial class MessageWriter : IAsyncDisposable
{
    // Scalar subqueries rather than exists(): the generic plan may not turn them into joins that hash a whole table.
    // The unread counters of migration 0009 move here, in rows this statement updates anyway: the conversation's
    // countable_total, and the sender's own_unread (their new message lies above their read watermark). Row locks
    // are taken conversation first, then member, the order of every other writer of these rows.
    private const string SendSql = """
        with input as (
            select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::boolean[], $5::text[], $6::text[], $8::text[], $9::integer[])
                as t(id, conversation_id, sender_id, is_admin, client_message_id, text, kind, attachment_count)
        ),
        claimed as (
            select a.id, w.message_id
            from unnest($10::uuid[], $11::uuid[]) as w(attachment_id, message_id)
            join input i on i.id = w.message_id
            join attachments a on a.id = w.attachment_id
            where a.uploader_id = i.sender_id and a.conversation_id = i.conversation_id and a.message_id is null and a.stored
            for update of a
        ),
        next as (
            update conversations c set last_seq = c.last_seq + 1, countable_total = c.countable_total + 1, last_activity_at = $7
            from input i
            where c.id = i.conversation_id and c.status = 'open'
              and ((c.kind = 'support' and i.is_admin)
                   or coalesce((select true from conversation_members m where m.conversation_id = i.conversation_id and m.user_id = i.sender_id), false))
              and (select e.seq from messages e
                   where e.conversation_id = i.conversation_id and e.sender_id = i.sender_id and e.client_message_id = i.client_message_id) is null
              and (i.attachment_count = 0 or i.attachment_count = (select count(*) from claimed k where k.message_id = i.id))
            returning i.id, i.conversation_id, i.sender_id, c.kind, c.last_seq
        ),
        own as (
            update conversation_members me set own_unread = me.own_unread + 1
            from next n
            where me.conversation_id = n.conversation_id and me.user_id = n.sender_id
        ),
        inserted as (
            insert into messages (id, conversation_id, seq, sender_id, kind, text, client_message_id, created_at)
            select i.id, i.conversation_id, n.last_seq, i.sender_id, i.kind, i.text, i.client_message_id, $7
            from next n join input i on i.id = n.id
        ),
        linked as (
            update attachments a set message_id = n.id
            from claimed k join next n on n.id = k.message_id
            where a.id = k.id
        )
        select id, kind, last_seq from next
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageWriter> _logger;
    private readonly MessageWriterOptions _options;
    private readonly Channel<PendingAppend> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _writers;

    public MessageWriter([FromKeyedServices(DatabaseExtensions.Writer)] NpgsqlDataSource dataSource, TimeProvider time,
        IOptions<MessageWriterOptions> options, ILogger<MessageWriter> logger)
    {
        _dataSource = dataSource;
        _time = time;
        _logger = logger;
        _options = options.Value;
        _queue = Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleWriter = false,
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writers = [.. Enumerable.Range(0, _options.Writers).Select(_ => Task.Run(WriteLoopAsync))];
    }

    /// <summary>
    /// Queues the send and waits for its commit; null when nothing was stored. Once queued it is no longer
    /// cancellable: a committed message must reach its events and its sender, so the caller's cancellation only
    /// applies while waiting for room.
    /// </summary>
    internal async Task<AppendedMessage?> AppendAsync(PendingAppend append, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync(append, cancellationToken);
        return await append.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            // Queued sends are still written on a graceful shutdown; a stuck database gets 10 s.
            await Task.WhenAll(_writers).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync();
        }

        _stop.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>(_options.MaxBatch);
        var conversations = new HashSet<Guid>();
        PendingAppend? carried = null;
        var reader = _queue.Reader;
        while (carried is not null || await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            conversations.Clear();
            if (carried is not null)
            {
                batch.Add(carried);
                conversations.Add(carried.ConversationId);
                carried = null;
            }

            while (batch.Count < _options.MaxBatch && reader.TryRead(out var next))
            {
                if (!conversations.Add(next.ConversationId))
                {
                    // Only possible when a caller bypasses MessageSender's per-conversation lock; it goes next.
                    carried = next;
                    break;
                }

                batch.Add(next);
            }

            if (batch.Count > 0)
            {
                await WriteBatchAsync(batch);
            }
        }
    }

    private async Task WriteBatchAsync(List<PendingAppend> batch)
    {
        try
        {
            await ExecuteAsync(batch, _stop.Token);
        }
        catch (PostgresException e) when (batch.Count > 1)
        {
            LogBatchRetried(e.SqlState, batch.Count);
            foreach (var append in batch)
            {
                await WriteBatchAsync([append]);
            }
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "messages_client_id_key" })
        {
            // Two retries of one message, from two instances: the other committed first, and this one rolled back
            // whole (its seq increment too, so no gap). Not stored; the sender finds the original.
            LogDuplicateRace();
            batch[0].TrySetResult(null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not committed (or unknown, as for a lost connection): the senders get the error and retry with the same id.
            foreach (var append in batch)
            {
                append.TrySetException(e);
            }
        }
    }

    private async Task ExecuteAsync(List<PendingAppend> batch, CancellationToken cancellationToken)
    {
        var n = batch.Count;
        var ids = new Guid[n];
        var conversationIds = new Guid[n];
        var senderIds = new Guid[n];
        var isAdmin = new bool[n];
        var clientIds = new string[n];
        var texts = new string?[n];
        var kinds = new string[n];
        var attachmentCounts = new int[n];
        var linkCount = 0;
        for (var i = 0; i < n; i++)
        {
            var a = batch[i];
            (ids[i], conversationIds[i], senderIds[i], isAdmin[i], clientIds[i], texts[i]) = (a.Id, a.ConversationId, a.SenderId, a.IsAdmin, a.ClientMessageId, a.Text);
            (kinds[i], attachmentCounts[i]) = (a.Kind, a.AttachmentIds.Length);
            linkCount += a.AttachmentIds.Length;
        }

        // Flat pairs (upload, message) for the statement to lock and link; empty for a text-only batch.
        var linkIds = linkCount == 0 ? [] : new Guid[linkCount];
        var linkMessageIds = linkCount == 0 ? [] : new Guid[linkCount];
        for (int i = 0, k = 0; i < n && k < linkCount; i++)
        {
            foreach (var attachmentId in batch[i].AttachmentIds)
            {
                (linkIds[k], linkMessageIds[k]) = (attachmentId, batch[i].Id);
                k++;
            }
        }

        // PostgreSQL keeps microseconds: the time answered to the sender is the one stored.
        var now = _time.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(SendSql, connection)
        {
            // Explicit types: the statement is prepared once per connection and reused for every batch size.
            Parameters =
            {
                new NpgsqlParameter<Guid[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new NpgsqlParameter<Guid[]> { TypedValue = conversationIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new NpgsqlParameter<Guid[]> { TypedValue = senderIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new NpgsqlParameter<bool[]> { TypedValue = isAdmin, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean },
                new NpgsqlParameter<string[]> { TypedValue = clientIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<string?[]> { TypedValue = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                new NpgsqlParameter<string[]> { TypedValue = kinds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter<int[]> { TypedValue = attachmentCounts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer },
                new NpgsqlParameter<Guid[]> { TypedValue = linkIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new NpgsqlParameter<Guid[]> { TypedValue = linkMessageIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            },
        };
        await command.PrepareAsync(cancellationToken);

        var stored = new Dictionary<Guid, AppendedMessage>(n);
        var createdAt = new DateTimeOffset(now);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                stored[reader.GetGuid(0)] = new AppendedMessage(reader.GetInt64(2), createdAt, reader.GetString(1));
            }
        }

        // Only now, with the reader closed, is the statement's implicit transaction committed.
        foreach (var append in batch)
        {
            append.TrySetResult(stored.GetValueOrDefault(append.Id));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A batch of {Count} sends failed as a whole ({SqlState}); each is retried alone")]
    private partial void LogBatchRetried(string sqlState, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Concurrent retries of one message; the later one returned the stored original")]
    private partial void LogDuplicateRace();
}
