using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ClinicChat.Conversations;

public sealed class MessageWriterOptions
{
    public const string Section = "Messages";

    /// <summary>Statements in flight at once; each commits a whole batch. A few keep commits overlapping the next batch's filling.</summary>
    [Range(1, 64)]
    public int Writers { get; set; } = 3;

    /// <summary>Most sends committed by one statement.</summary>
    [Range(1, 5_000)]
    public int MaxBatch { get; set; } = 256;

    /// <summary>Sends waiting for a writer; past it, senders wait to enqueue (back-pressure instead of unbounded memory).</summary>
    [Range(16, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;
}

/// <summary>One send waiting for its batch: the input, and the row (or failure) once committed.</summary>
internal sealed class PendingAppend(Guid id, Guid conversationId, Guid senderId, bool isAdmin, string clientMessageId, string text)
    : TaskCompletionSource<AppendRow?>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public Guid Id { get; } = id;

    public Guid ConversationId { get; } = conversationId;

    public Guid SenderId { get; } = senderId;

    public bool IsAdmin { get; } = isAdmin;

    public string ClientMessageId { get; } = clientMessageId;

    public string Text { get; } = text;
}

/// <summary>The send statement's answer for one input; UnreadChanged is filled for created messages.</summary>
internal sealed class AppendRow
{
    public string ConversationKind { get; init; } = "";

    public bool IsMember { get; init; }

    public bool Created { get; init; }

    public Guid? Id { get; init; }

    public long? Seq { get; init; }

    public string? Kind { get; init; }

    public string? Text { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>The counts to announce to the online recipients of a created message, as committed with it.</summary>
    public List<(Guid UserId, UnreadChangedEvent Event)> UnreadChanged { get; } = [];
}

/// <summary>
/// Group commit for sends. Concurrent sends queue on a bounded channel; a few writers each take what is queued (up
/// to MaxBatch) and commit it with one statement, one round trip and one WAL flush. The statement is the single
/// send statement over arrays: per input it checks access and writability, finds an earlier send with the same
/// clientMessageId, takes the next seq under the conversation's row lock and inserts — so gap-free seq and
/// idempotency hold exactly as for one send. A batch never holds two sends of one conversation (MessageSender
/// keeps one in flight per conversation; the writer re-checks), because an UPDATE ... FROM touches a row once.
/// If the batch statement fails as a whole (a retry racing another instance, a deadlock between instances), each
/// send is retried alone, so one bad input never fails its neighbours. Senders are completed after the commit.
/// </summary>
public sealed partial class MessageWriter : IAsyncDisposable
{
    private const string SendSql = """
        with input as (
            select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::boolean[], $5::text[], $6::text[])
                with ordinality as t(id, conversation_id, sender_id, is_admin, client_message_id, text, ord)
        ),
        conv as (
            select i.ord, c.id, c.kind, c.status,
                   -- A scalar subquery, not exists(): a generic plan would hash all of conversation_members for exists().
                   coalesce((select true from conversation_members m where m.conversation_id = c.id and m.user_id = i.sender_id), false) as is_member
            from input i join conversations c on c.id = i.conversation_id
        ),
        existing as (
            select i.ord, m.id, m.seq, m.kind, m.text, m.created_at, m.deleted_at
            from input i join messages m
              on m.conversation_id = i.conversation_id and m.sender_id = i.sender_id and m.client_message_id = i.client_message_id
        ),
        next as (
            update conversations c set last_seq = c.last_seq + 1, last_activity_at = $7
            from input i join conv on conv.ord = i.ord
            where c.id = i.conversation_id and c.status = 'open'
              and (conv.is_member or (conv.kind = 'support' and i.is_admin))
              and not exists (select 1 from existing e where e.ord = i.ord)
            returning i.ord, c.last_seq
        ),
        inserted as (
            insert into messages (id, conversation_id, seq, sender_id, kind, text, client_message_id, created_at)
            select i.id, i.conversation_id, n.last_seq, i.sender_id, 'text', i.text, i.client_message_id, $7
            from next n join input i on i.ord = n.ord
            returning id, seq, kind, text, created_at, deleted_at
        )
        select i.ord, conv.kind, conv.is_member, (ins.id is not null) as created,
               coalesce(ins.id, e.id) as id, coalesce(ins.seq, e.seq) as seq, coalesce(ins.kind, e.kind) as kind,
               coalesce(ins.text, e.text) as text, coalesce(ins.created_at, e.created_at) as created_at,
               coalesce(ins.deleted_at, e.deleted_at) as deleted_at
        from input i
        left join conv on conv.ord = i.ord
        left join inserted ins on ins.id = i.id
        left join existing e on e.ord = i.ord
        order by i.ord
        """;

    // Second statement of the same batch (and transaction), so it sees the counts the first one's insert trigger
    // left: each recipient's unread count in the conversation and over all their conversations.
    private const string UnreadSql = """
        select m.conversation_id, m.user_id, m.unread_count,
               (select sum(o.unread_count) from conversation_members o where o.user_id = m.user_id) as total
        from unnest($1::uuid[], $2::uuid[]) as b(conversation_id, sender_id)
        join conversation_members m on m.conversation_id = b.conversation_id and m.user_id <> b.sender_id
        """;

    // The retry race: the loser's statement rolled back whole, its seq increment included, so no gap; re-read.
    private const string RereadSql = """
        select c.kind, true as is_member, false as created, m.id, m.seq, m.kind, m.text, m.created_at, m.deleted_at
        from messages m join conversations c on c.id = m.conversation_id
        where m.conversation_id = $1 and m.sender_id = $2 and m.client_message_id = $3
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly IPresence _presence;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageWriter> _logger;
    private readonly MessageWriterOptions _options;
    private readonly Channel<PendingAppend> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _writers;

    public MessageWriter([FromKeyedServices(DatabaseExtensions.Writer)] NpgsqlDataSource dataSource, IPresence presence, TimeProvider time,
        IOptions<MessageWriterOptions> options, ILogger<MessageWriter> logger)
    {
        _dataSource = dataSource;
        _presence = presence;
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
    /// Queues the send and waits for its commit. Once queued it is no longer cancellable: a committed message must
    /// reach its events and its sender, so the caller's cancellation only applies while waiting for room.
    /// </summary>
    internal async Task<AppendRow?> AppendAsync(PendingAppend append, CancellationToken cancellationToken)
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
            var rows = await ExecuteAsync(batch, _stop.Token);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].TrySetResult(rows[i]);
            }
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
            LogDuplicateRace();
            await CompleteWithRereadAsync(batch[0]);
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

    private async Task CompleteWithRereadAsync(PendingAppend append)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(_stop.Token);
            await using var command = new NpgsqlCommand(RereadSql, connection);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = append.ConversationId, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = append.SenderId, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = append.ClientMessageId, NpgsqlDbType = NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(_stop.Token);
            append.TrySetResult(await reader.ReadAsync(_stop.Token) ? ReadRow(reader, 0) : null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            append.TrySetException(e);
        }
    }

    private async Task<AppendRow?[]> ExecuteAsync(List<PendingAppend> batch, CancellationToken cancellationToken)
    {
        var n = batch.Count;
        var ids = new Guid[n];
        var conversationIds = new Guid[n];
        var senderIds = new Guid[n];
        var isAdmin = new bool[n];
        var clientIds = new string[n];
        var texts = new string[n];
        for (var i = 0; i < n; i++)
        {
            var a = batch[i];
            (ids[i], conversationIds[i], senderIds[i], isAdmin[i], clientIds[i], texts[i]) = (a.Id, a.ConversationId, a.SenderId, a.IsAdmin, a.ClientMessageId, a.Text);
        }

        var now = _time.GetUtcNow().UtcDateTime;
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // Both statements run in one implicit transaction with one commit: the unread counts are those of this commit.
        await using var batchCommand = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                // Explicit types: the statements are prepared once per connection and reused for every batch size.
                new NpgsqlBatchCommand(SendSql)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<Guid[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                        new NpgsqlParameter<Guid[]> { TypedValue = conversationIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                        new NpgsqlParameter<Guid[]> { TypedValue = senderIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                        new NpgsqlParameter<bool[]> { TypedValue = isAdmin, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean },
                        new NpgsqlParameter<string[]> { TypedValue = clientIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                        new NpgsqlParameter<string[]> { TypedValue = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                        new NpgsqlParameter<DateTime> { TypedValue = now, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    },
                },
                new NpgsqlBatchCommand(UnreadSql)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<Guid[]> { TypedValue = conversationIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                        new NpgsqlParameter<Guid[]> { TypedValue = senderIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                    },
                },
            },
        };
        await batchCommand.PrepareAsync(cancellationToken);

        var rows = new AppendRow?[n];
        await using var reader = await batchCommand.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var ord = (int)reader.GetInt64(0) - 1;
            rows[ord] = reader.IsDBNull(1) ? null : ReadRow(reader, 1);
        }

        await reader.NextResultAsync(cancellationToken);
        var created = new Dictionary<Guid, AppendRow>(n);
        for (var i = 0; i < n; i++)
        {
            if (rows[i] is { Created: true } row)
            {
                created[conversationIds[i]] = row;
            }
        }

        while (await reader.ReadAsync(cancellationToken))
        {
            var (conversationId, userId) = (reader.GetGuid(0), reader.GetGuid(1));
            // Only locally connected users can receive the event (no backplane yet).
            if (created.TryGetValue(conversationId, out var row) && _presence.IsOnline(userId))
            {
                row.UnreadChanged.Add((userId, new UnreadChangedEvent(conversationId, reader.GetInt64(2), reader.GetInt64(3))));
            }
        }

        return rows;
    }

    /// <summary>Columns from <paramref name="first"/>: kind, is_member, created, id, seq, kind, text, created_at, deleted_at.</summary>
    private static AppendRow ReadRow(NpgsqlDataReader reader, int first)
    {
        DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc));
        return new AppendRow
        {
            ConversationKind = reader.GetString(first),
            IsMember = reader.GetBoolean(first + 1),
            Created = reader.GetBoolean(first + 2),
            Id = reader.IsDBNull(first + 3) ? null : reader.GetGuid(first + 3),
            Seq = reader.IsDBNull(first + 4) ? null : reader.GetInt64(first + 4),
            Kind = reader.IsDBNull(first + 5) ? null : reader.GetString(first + 5),
            Text = reader.IsDBNull(first + 6) ? null : reader.GetString(first + 6),
            CreatedAt = Time(first + 7),
            DeletedAt = Time(first + 8),
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A batch of {Count} sends failed as a whole ({SqlState}); each is retried alone")]
    private partial void LogBatchRetried(string sqlState, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Concurrent retries of one message; the later one returned the stored original")]
    private partial void LogDuplicateRace();
}
