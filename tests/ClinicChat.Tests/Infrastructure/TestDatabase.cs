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
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"create database {name}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }
}
