using Dapper;
using Npgsql;

namespace ClinicChat.Conversations;

/// <summary>
/// Creating conversations and changing their status. Takes the caller's connection and transaction so that
/// features (consultations, care, support) create a conversation atomically with their own rows.
/// </summary>
public sealed class ConversationStore(TimeProvider time)
{
    public async Task<Guid> CreateAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        string kind,
        string status,
        IReadOnlyCollection<Guid> memberIds,
        CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var now = time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into conversations (id, kind, status, created_at, last_activity_at)
            values (@Id, @Kind, @Status, @Now, @Now)
            """,
            new { Id = id, Kind = kind, Status = status, Now = now }, transaction, cancellationToken: cancellationToken));
        await AddMembersAsync(connection, transaction, id, memberIds, cancellationToken);
        return id;
    }

    public async Task AddMembersAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        Guid conversationId,
        IReadOnlyCollection<Guid> memberIds,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into conversation_members (conversation_id, user_id, joined_at)
            select @ConversationId, member, @Now from unnest(@Members) as member
            on conflict do nothing
            """,
            new { ConversationId = conversationId, Members = memberIds.ToArray(), Now = time.GetUtcNow() },
            transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Takes a user out of conversations (a re-assigned or disabled support admin); their messages stay.</summary>
    public async Task RemoveMemberAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyCollection<Guid> conversationIds,
        Guid userId,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "delete from conversation_members where conversation_id = any(@Ids) and user_id = @UserId",
            new { Ids = conversationIds.ToArray(), UserId = userId }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Holders of a <see cref="SystemNotes"/> scope lock the conversation before calling this.</summary>
    public async Task SetStatusAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        Guid conversationId,
        string status,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "update conversations set status = @Status where id = @Id",
            new { Id = conversationId, Status = status }, transaction, cancellationToken: cancellationToken));
    }
}
