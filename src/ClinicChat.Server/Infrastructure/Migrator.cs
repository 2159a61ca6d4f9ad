using System.Net.Sockets;
using System.Reflection;
using Npgsql;

namespace ClinicChat.Infrastructure;

/// <summary>Applies the embedded SQL migrations in order, once, under an advisory lock.</summary>
public sealed partial class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Any fixed number works; it only has to be the same for every instance of the server.
    private const long MigrationLockKey = 7_301_554_120_001;
    private const string ResourcePrefix = "Migrations.";

    public static IReadOnlyList<(string Name, string Sql)> EmbeddedMigrations { get; } = LoadEmbedded();

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", MigrationLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var create = new NpgsqlCommand(
            """
            create table if not exists schema_migrations (
                name text primary key,
                applied_at timestamptz not null default now()
            )
            """, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand("select name from schema_migrations", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }

        foreach (var (name, sql) in EmbeddedMigrations)
        {
            if (applied.Contains(name))
            {
                continue;
            }

            await using (var migrate = new NpgsqlCommand(sql, connection, transaction))
            {
                await migrate.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = new NpgsqlCommand("insert into schema_migrations (name) values (@name)", connection, transaction))
            {
                record.Parameters.AddWithValue("name", name);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            LogApplied(name);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>True when every embedded migration is recorded as applied.</summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select count(*) from schema_migrations where name = any(@names)");
        command.Parameters.AddWithValue("names", EmbeddedMigrations.Select(m => m.Name).ToArray());
        try
        {
            var count = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            return count == EmbeddedMigrations.Count;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            var reason = e is PostgresException pg ? pg.MessageText : (e.InnerException ?? e).Message;
            throw new StartupException($"Cannot reach PostgreSQL at {dataSource.DescribeServer()}: {reason}", e);
        }
    }

    private static List<(string Name, string Sql)> LoadEmbedded()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var migrations = new List<(string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames()
                     .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var name = Path.GetFileNameWithoutExtension(resource[ResourcePrefix.Length..]);
            migrations.Add((name, reader.ReadToEnd()));
        }

        return migrations;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration}")]
    private partial void LogApplied(string migration);
}
