using Npgsql;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>A fresh, empty database in the throwaway cluster that ./test starts.</summary>
public static class TestDatabase
{
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("CLINICCHAT_TEST_DATABASE")
        ?? throw new InvalidOperationException("CLINICCHAT_TEST_DATABASE is not set: run the tests through ./test.");

    public static async Task<string> CreateAsync(CancellationToken cancellationToken = default)
    {
        var name = $"t_{Guid.NewGuid():N}";
        await AdminExecuteAsync($"create database {name}", cancellationToken);
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }

    /// <summary>Runs a statement as the cluster's administrator, outside any test database.</summary>
    public static async Task AdminExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Ends every session of the database (one of <see cref="CreateAsync"/>'s), as a restart or failover would.</summary>
    public static Task TerminateSessionsAsync(string connectionString, CancellationToken cancellationToken) =>
        AdminExecuteAsync(
            $"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{new NpgsqlConnectionStringBuilder(connectionString).Database}'",
            cancellationToken);
}
