using Dapper;
using Npgsql;

namespace ClinicChat.Accounts;

/// <summary>
/// Server-side sessions behind the bearer tokens: a token is honoured only while its session is live,
/// which is what makes logout and disable take effect on the very next request.
/// </summary>
public sealed class SessionStore(NpgsqlDataSource dataSource, TimeProvider time, SessionRevocations revocations)
{
    public static readonly TimeSpan RefreshLifetime = TimeSpan.FromDays(14);

    public async Task<(Guid SessionId, Guid RefreshTokenId)> CreateAsync(Guid userId, CancellationToken cancellationToken)
    {
        var sessionId = Guid.CreateVersion7();
        var refreshTokenId = Guid.NewGuid();
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into sessions (id, user_id, refresh_token_id, created_at, expires_at)
            values (@Id, @UserId, @RefreshTokenId, @Now, @ExpiresAt)
            """,
            new { Id = sessionId, UserId = userId, RefreshTokenId = refreshTokenId, Now = now, ExpiresAt = now + RefreshLifetime },
            cancellationToken: cancellationToken));
        return (sessionId, refreshTokenId);
    }

    public async Task<bool> IsActiveAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        const string sql = """
            select exists (
                select 1 from sessions s join users u on u.id = s.user_id
                where s.id = @Id and s.revoked_at is null and s.expires_at > @Now and u.disabled_at is null)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(sql, new { Id = sessionId, Now = time.GetUtcNow() }, cancellationToken: cancellationToken));
    }

    /// <summary>Of the given sessions, those no longer live (revoked, expired or their user disabled).</summary>
    public async Task<IReadOnlyList<Guid>> FindInactiveAsync(IReadOnlyCollection<Guid> sessionIds, CancellationToken cancellationToken)
    {
        if (sessionIds.Count == 0)
        {
            return [];
        }

        const string sql = """
            select ids.id from unnest(@Ids) as ids(id)
            where not exists (
                select 1 from sessions s join users u on u.id = s.user_id
                where s.id = ids.id and s.revoked_at is null and s.expires_at > @Now and u.disabled_at is null)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Guid>(new CommandDefinition(sql, new { Ids = sessionIds.ToArray(), Now = time.GetUtcNow() }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public enum RotateOutcome { Rotated, Invalid, Reused }

    /// <summary>
    /// Swaps the session's refresh token id for a new one. A token presented twice means it was copied:
    /// the whole session is revoked so that neither copy keeps working.
    /// </summary>
    public async Task<(RotateOutcome Outcome, Guid UserId, Guid NewRefreshTokenId)> RotateAsync(Guid sessionId, Guid presentedRefreshTokenId, CancellationToken cancellationToken)
    {
        var newId = Guid.NewGuid();
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var userId = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            """
            update sessions s set refresh_token_id = @NewId, expires_at = @ExpiresAt
            from users u
            where s.id = @Id and s.refresh_token_id = @Presented and s.revoked_at is null and s.expires_at > @Now
              and u.id = s.user_id and u.disabled_at is null
            returning s.user_id
            """,
            // The new refresh token is good for RefreshLifetime, so the session behind it must be too: a session
            // in use lives on, one left alone for RefreshLifetime ends.
            new { Id = sessionId, Presented = presentedRefreshTokenId, NewId = newId, Now = now, ExpiresAt = now + RefreshLifetime },
            cancellationToken: cancellationToken));
        if (userId is { } id)
        {
            return (RotateOutcome.Rotated, id, newId);
        }

        var revoked = await connection.ExecuteAsync(new CommandDefinition(
            "update sessions set revoked_at = @Now where id = @Id and revoked_at is null and refresh_token_id <> @Presented",
            new { Id = sessionId, Presented = presentedRefreshTokenId, Now = now }, cancellationToken: cancellationToken));
        if (revoked == 1)
        {
            revocations.Publish([sessionId]);
            return (RotateOutcome.Reused, Guid.Empty, Guid.Empty);
        }

        return (RotateOutcome.Invalid, Guid.Empty, Guid.Empty);
    }

    public async Task RevokeAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "update sessions set revoked_at = @Now where id = @Id and revoked_at is null",
            new { Id = sessionId, Now = time.GetUtcNow() }, cancellationToken: cancellationToken));
        revocations.Publish([sessionId]);
    }

    public async Task<IReadOnlyList<Guid>> RevokeAllForUserAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        var ids = await connection.QueryAsync<Guid>(new CommandDefinition(
            "update sessions set revoked_at = @Now where user_id = @UserId and revoked_at is null returning id",
            new { UserId = userId, Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
        return ids.AsList();
    }
}

/// <summary>Tells live connections (the hub) that sessions ended, so they can be closed at once.</summary>
public sealed class SessionRevocations
{
    public event Action<IReadOnlyCollection<Guid>>? Revoked;

    public void Publish(IReadOnlyCollection<Guid> sessionIds)
    {
        if (sessionIds.Count > 0)
        {
            Revoked?.Invoke(sessionIds);
        }
    }
}
