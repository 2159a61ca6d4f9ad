using ClinicChat.Conversations;
using Dapper;
using Npgsql;

namespace ClinicChat.Attachments;

/// <summary>The attachments table: metadata, quota, who may read an attachment, and unsent uploads past their time.</summary>
public sealed class AttachmentRecords(NpgsqlDataSource dataSource)
{
    // Two-key advisory lock namespace (any fixed number): serialises one uploader's quota checks across instances.
    private const int QuotaLockNamespace = 7_301_013;

    public sealed record NewAttachment(
        Guid Id, Guid ConversationId, Guid UploaderId, string FileName, string ContentType, long Size, int? Width, int? Height,
        string Sha256, string? ThumbnailContentType, long? ThumbnailSize, DateTimeOffset CreatedAt);

    /// <summary>A stored attachment the caller may read.</summary>
    public sealed record Readable(
        Guid Id, Guid ConversationId, string ConversationKind, string FileName, string ContentType, long Size, string Sha256,
        string? ThumbnailContentType, long? ThumbnailSize, DateTimeOffset CreatedAt);

    public async Task<long> UsedBytesAsync(Guid uploaderId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "select coalesce(sum(size), 0)::bigint from attachments where uploader_id = @UploaderId",
            new { UploaderId = uploaderId }, cancellationToken: cancellationToken));
    }

    /// <summary>Inserts the row (not yet stored) unless it would take the uploader past the quota; false then.</summary>
    public async Task<bool> TryInsertAsync(NewAttachment attachment, long quotaBytes, CancellationToken cancellationToken)
    {
        const string sql = """
            select pg_advisory_xact_lock(@LockNamespace, hashtext(@UploaderId::text));

            insert into attachments (id, conversation_id, uploader_id, file_name, content_type, size, width, height, sha256,
                                     thumbnail_content_type, thumbnail_size, created_at)
            select @Id, @ConversationId, @UploaderId, @FileName, @ContentType, @Size, @Width, @Height, @Sha256,
                   @ThumbnailContentType, @ThumbnailSize, @CreatedAt
            where (select coalesce(sum(size), 0) from attachments where uploader_id = @UploaderId) + @Size <= @Quota;
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            LockNamespace = QuotaLockNamespace,
            attachment.Id,
            attachment.ConversationId,
            attachment.UploaderId,
            attachment.FileName,
            attachment.ContentType,
            attachment.Size,
            attachment.Width,
            attachment.Height,
            attachment.Sha256,
            attachment.ThumbnailContentType,
            attachment.ThumbnailSize,
            attachment.CreatedAt,
            Quota = quotaBytes,
        }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return inserted > 0;
    }

    public async Task MarkStoredAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("update attachments set stored = true where id = @Id", new { Id = id }, cancellationToken: cancellationToken));
    }

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("delete from attachments where id = @Id", new { Id = id }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The attachment if the caller may read it: they may access its conversation (members; admins for support rooms
    /// only, as for messages), and either it is on a message that is not deleted, or it is their own upload not
    /// sent yet (nobody else sees an upload before it is sent).
    /// </summary>
    public async Task<Readable?> FindReadableAsync(ChatCaller caller, Guid id, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select a.id, a.conversation_id, c.kind as conversation_kind, a.file_name, a.content_type, a.size, a.sha256,
                   a.thumbnail_content_type, a.thumbnail_size, a.created_at
            from attachments a
            join conversations c on c.id = a.conversation_id
            where a.id = @Id and a.stored
              and {ConversationQueries.AccessPredicate}
              and ((a.message_id is null and a.uploader_id = @UserId)
                   or exists (select 1 from messages m where m.id = a.message_id and m.deleted_at is null))
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Readable>(new CommandDefinition(sql,
            new { Id = id, caller.UserId, caller.IsAdmin }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Deletes up to <paramref name="batch"/> unsent uploads created before <paramref name="cutoff"/>, removing their
    /// bytes through <paramref name="deleteBytes"/> first; returns how many. The rows stay locked until they are
    /// gone, so a send linking one of them waits and then finds it missing instead of linking a file being deleted.
    /// </summary>
    public async Task<int> DeleteUnsentAsync(DateTimeOffset cutoff, int batch, Func<Guid, Task> deleteBytes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ids = (await connection.QueryAsync<Guid>(new CommandDefinition(
            """
            select id from attachments
            where message_id is null and created_at < @Cutoff
            order by created_at
            limit @Batch
            for update skip locked
            """, new { Cutoff = cutoff, Batch = batch }, transaction, cancellationToken: cancellationToken))).AsList();
        foreach (var id in ids)
        {
            await deleteBytes(id);
        }

        await connection.ExecuteAsync(new CommandDefinition("delete from attachments where id = any(@Ids)",
            new { Ids = ids.ToArray() }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return ids.Count;
    }
}
