using System.Text.Json;
using Dapper;
using Npgsql;

namespace ClinicChat.Audit;

/// <summary>Reads the audit log for admins: newest first, filtered, paged by id.</summary>
public sealed class AuditReader(NpgsqlDataSource dataSource)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public async Task<AuditPage> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        // Only the filters given become conditions, so each query can use the index that fits it.
        var conditions = new List<string>();
        if (query.TargetType is not null)
        {
            conditions.Add("target_type = @TargetType");
        }

        if (query.TargetId is not null)
        {
            conditions.Add("target_id = @TargetId");
        }

        if (query.ActorId is not null)
        {
            conditions.Add("actor_id = @ActorId");
        }

        if (query.Before is not null)
        {
            conditions.Add("id < @Before");
        }

        var where = conditions.Count == 0 ? "" : "where " + string.Join(" and ", conditions);
        var sql = $"""
            select id, at, actor_id, action, target_type, target_id, detail::text as detail
            from audit_log
            {where}
            order by id desc
            limit @Take
            """;
        var args = new { query.TargetType, query.TargetId, query.ActorId, query.Before, Take = query.Limit + 1 };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AuditRow>(new CommandDefinition(sql, args, cancellationToken: cancellationToken))).AsList();
        var hasMore = rows.Count > query.Limit;
        return new AuditPage([.. rows.Take(query.Limit).Select(r => r.ToDto())], hasMore);
    }

    private sealed class AuditRow
    {
        public long Id { get; init; }

        public DateTimeOffset At { get; init; }

        public Guid? ActorId { get; init; }

        public string Action { get; init; } = "";

        public string TargetType { get; init; } = "";

        public string TargetId { get; init; } = "";

        public string? Detail { get; init; }

        public AuditEntryDto ToDto()
        {
            JsonElement? detail = null;
            if (Detail is not null)
            {
                using var json = JsonDocument.Parse(Detail);
                detail = json.RootElement.Clone();
            }

            return new AuditEntryDto(Id, At, ActorId, Action, TargetType, TargetId, detail);
        }
    }
}
