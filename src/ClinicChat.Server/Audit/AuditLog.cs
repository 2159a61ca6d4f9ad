using System.Text.Json;
using Dapper;
using Npgsql;

namespace ClinicChat.Audit;

/// <summary>Append-only record of who read or changed what. Never holds message bodies, tokens or passwords.</summary>
public sealed class AuditLog(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task WriteAsync(Guid? actorId, string action, string targetType, string targetId, object? detail, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await WriteAsync(connection, null, actorId, action, targetType, targetId, detail, cancellationToken);
    }

    public Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? actorId, string action, string targetType, string targetId, object? detail, CancellationToken cancellationToken)
    {
        const string sql = """
            insert into audit_log (at, actor_id, action, target_type, target_id, detail)
            values (@At, @ActorId, @Action, @TargetType, @TargetId, @Detail::jsonb)
            """;
        var args = new
        {
            At = time.GetUtcNow(),
            ActorId = actorId,
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            Detail = detail is null ? null : JsonSerializer.Serialize(detail),
        };
        return connection.ExecuteAsync(new CommandDefinition(sql, args, transaction, cancellationToken: cancellationToken));
    }
}
