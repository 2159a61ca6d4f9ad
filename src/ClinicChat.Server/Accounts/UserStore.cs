using Dapper;
using Npgsql;

namespace ClinicChat.Accounts;

public sealed class UserStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id, email, display_name, role, password_hash, disabled_at, created_at";

    internal async Task<UserRow?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"select {Columns} from users where email_normalized = @Email",
            new { Email = AccountRules.NormalizeEmail(email) }, cancellationToken: cancellationToken));
    }

    internal async Task<UserRow?> FindByIdAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"select {Columns} from users where id = @Id", new { Id = id }, cancellationToken: cancellationToken));
    }

    /// <summary>Inserts the user; false when the email is taken (in any letter case).</summary>
    internal async Task<bool> TryInsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, UserRow user, CancellationToken cancellationToken)
    {
        const string sql = """
            insert into users (id, email, email_normalized, display_name, role, password_hash, created_at)
            values (@Id, @Email, @EmailNormalized, @DisplayName, @Role, @PasswordHash, @CreatedAt)
            on conflict (email_normalized) do nothing
            """;
        var inserted = await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            user.Id,
            user.Email,
            EmailNormalized = AccountRules.NormalizeEmail(user.Email),
            user.DisplayName,
            user.Role,
            user.PasswordHash,
            user.CreatedAt,
        }, transaction, cancellationToken: cancellationToken));
        return inserted == 1;
    }

    public async Task<IReadOnlyList<AdminUserDto>> ListAsync(string? role, CancellationToken cancellationToken)
    {
        const string sql = """
            select id, email, display_name, role, disabled_at is not null as disabled, created_at
            from users
            where @Role::text is null or role = @Role
            order by created_at, id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<AdminUserDto>(new CommandDefinition(sql, new { Role = role }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<bool> DisableAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "update users set disabled_at = coalesce(disabled_at, @Now) where id = @Id",
            new { Id = id, Now = now }, transaction, cancellationToken: cancellationToken));
        return updated == 1;
    }

    public async Task<bool> AnyAdminAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from users where role = 'admin')", cancellationToken: cancellationToken));
    }
}
