using ClinicChat.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ClinicChat.Tests.Infrastructure;

public sealed class MigrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task AssertEachMigrationRecordedOnceAsync(NpgsqlDataSource dataSource)
    {
        Assert.Equal(Migrator.EmbeddedMigrations.Count, await ScalarAsync(dataSource, "select count(*) from schema_migrations"));
        Assert.Equal(Migrator.EmbeddedMigrations.Count, await ScalarAsync(dataSource, "select count(distinct name) from schema_migrations"));
        Assert.True(await new Migrator(dataSource, NullLogger<Migrator>.Instance).IsUpToDateAsync(Ct));
    }

    [Fact]
    public void MigrationsAreEmbeddedInNameOrder()
    {
        var names = Migrator.EmbeddedMigrations.Select(m => m.Name).ToList();

        Assert.NotEmpty(names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.StartsWith("0001_", names[0], StringComparison.Ordinal);
        Assert.All(Migrator.EmbeddedMigrations, m => Assert.False(string.IsNullOrWhiteSpace(m.Sql)));
    }

    [Fact]
    public async Task MigratingTwiceInARowAppliesEachMigrationOnce()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestDatabase.CreateAsync(Ct));
        var migrator = new Migrator(dataSource, NullLogger<Migrator>.Instance);
        Assert.False(await migrator.IsUpToDateAsync(Ct));

        await migrator.MigrateAsync(Ct);
        await migrator.MigrateAsync(Ct);

        await AssertEachMigrationRecordedOnceAsync(dataSource);
    }

    [Fact]
    public async Task TwoInstancesMigratingAFreshDatabaseAtOnceDoNotRace()
    {
        var connectionString = await TestDatabase.CreateAsync(Ct);
        await using var one = NpgsqlDataSource.Create(connectionString);
        await using var two = NpgsqlDataSource.Create(connectionString);

        // Task.Run so that both really are in flight together rather than one finishing synchronously first.
        await Task.WhenAll(
            Task.Run(() => new Migrator(one, NullLogger<Migrator>.Instance).MigrateAsync(Ct), Ct),
            Task.Run(() => new Migrator(two, NullLogger<Migrator>.Instance).MigrateAsync(Ct), Ct));

        await AssertEachMigrationRecordedOnceAsync(one);
    }

    [Fact]
    public async Task ManyConcurrentStartsStillApplyEachMigrationOnce()
    {
        var connectionString = await TestDatabase.CreateAsync(Ct);
        var dataSources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            await Task.WhenAll(dataSources.Select(ds => Task.Run(() => new Migrator(ds, NullLogger<Migrator>.Instance).MigrateAsync(Ct), Ct)));

            await AssertEachMigrationRecordedOnceAsync(dataSources[0]);
        }
        finally
        {
            foreach (var dataSource in dataSources)
            {
                await dataSource.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigrateVerbAppliesMigrationsAndExits()
    {
        var connectionString = await TestDatabase.CreateAsync(Ct);

        var result = await ServerProcess.RunAsync(["migrate"], new() { ["CLINICCHAT_DATABASE"] = connectionString }, Ct);

        Assert.True(result.ExitCode == 0, result.ToString());
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await AssertEachMigrationRecordedOnceAsync(dataSource);
    }
}
